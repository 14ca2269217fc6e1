package io.seqtrack.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.seqtrack.kafka.PartitionLedger.Slot;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/** The offset bookkeeping on its own: the committable prefix, rewinds, stopping. */
class PartitionLedgerTest {

    private final PartitionLedger ledger = new PartitionLedger(new TopicPartition("t", 0));

    @Test
    void theCommittableOffsetIsTheFirstRecordNotAcknowledged_overOffsetsThatAreNotContiguous() {
        take(10, 11, 14, 20); // 12, 13, 15..19: compacted away or transaction markers
        Slot a = ledger.submitNext();
        Slot b = ledger.submitNext();
        Slot c = ledger.submitNext();
        Slot d = ledger.submitNext();
        assertThat(ledger.committable()).isEqualTo(10);

        ledger.acknowledge(c);
        ledger.acknowledge(b);
        assertThat(ledger.committable()).as("10 is still in flight").isEqualTo(10);
        ledger.acknowledge(a);
        assertThat(ledger.committable()).as("everything below 20 acknowledged").isEqualTo(20);
        ledger.acknowledge(d);
        assertThat(ledger.committable()).as("all fetched: the offset after the last one").isEqualTo(21);
    }

    @Test
    void aRewindDiscardsTheRecordAndEverythingAfterIt_andLateCompletionsOfThemAreIgnored() {
        take(0, 1, 2, 3);
        Slot first = ledger.submitNext();
        Slot failed = ledger.submitNext();
        Slot after = ledger.submitNext();
        assertThat(ledger.inFlight()).isEqualTo(3);
        assertThat(ledger.rewind(failed)).isEqualTo(1);
        assertThat(ledger.inFlight()).as("the rewound records are no longer in flight; the first one is").isEqualTo(1);
        assertThat(ledger.hasQueued()).as("record 3 was queued after the failed one").isFalse();
        assertThat(ledger.fetched()).isEqualTo(1);
        assertThat(ledger.completed(after)).as("a late completion of a discarded record").isFalse();
        assertThat(ledger.failures).as("redeliveries in a row, for the backoff").isEqualTo(1);

        assertThat(ledger.completed(first)).isTrue();
        ledger.acknowledge(first);
        assertThat(ledger.inFlight()).isZero();
        assertThat(ledger.committable()).as("never past the record to redeliver").isEqualTo(1);
        assertThat(ledger.failures).as("an acknowledgement ends the run of redeliveries").isZero();
    }

    @Test
    void whileStoppingAFailureHoldsThePrefixBelowIt() {
        take(5, 6);
        Slot x = ledger.submitNext();
        Slot y = ledger.submitNext();
        ledger.stop();
        ledger.fail(x);
        ledger.acknowledge(y);
        assertThat(ledger.committable()).isEqualTo(5);
        assertThat(ledger.inFlight()).isZero();
    }

    private void take(long... offsets) {
        for (long offset : offsets) {
            ledger.take(new ConsumerRecord<>("t", 0, offset, new byte[0], new byte[0]));
        }
    }
}
