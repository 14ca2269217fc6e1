package io.seqtrack.processor.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.seqtrack.core.domain.AggregateKey;
import io.seqtrack.core.registry.DomainRegistration;
import io.seqtrack.core.domain.TrackingMode;
import io.seqtrack.processor.Event;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.Random;
import org.junit.jupiter.api.Test;

class AggregateQueueTest {

    private static final AggregateKey KEY = AggregateKey.of("user_account", "a");
    private static final DomainRegistration STRICT = DomainRegistration.builder("user_account")
            .mode(TrackingMode.STRICT).build();

    @Test
    void inOrderArrivalsAreTakenHeadFirstWithoutInversions() {
        AggregateQueue queue = new AggregateQueue();
        for (long seq = 1; seq <= 5; seq++) {
            queue.add(work(seq));
        }
        assertThat(queue.inversions()).isZero();
        for (long seq = 1; seq <= 5; seq++) {
            assertThat(queue.takeNext().sequence()).isEqualTo(seq);
        }
        assertThat(queue.takeNext()).isNull();
    }

    @Test
    void aSwappedPairIsPutBackInOrderAndTheCountReturnsToZero() {
        AggregateQueue queue = new AggregateQueue();
        queue.add(work(1));
        queue.add(work(3));
        queue.add(work(2));
        queue.add(work(4));
        assertThat(queue.inversions()).isEqualTo(1);
        assertThat(queue.takeNext().sequence()).isEqualTo(1);
        assertThat(queue.takeNext().sequence()).isEqualTo(2);
        assertThat(queue.inversions()).isZero();
        assertThat(queue.takeNext().sequence()).isEqualTo(3);
        assertThat(queue.takeNext().sequence()).isEqualTo(4);
    }

    /**
     * The counted shortcut takes exactly what the full scan over the reorder window takes (the rule it replaced), over
     * random arrivals with duplicates, reorderings beyond the window and interleaved takes and polls.
     */
    @Test
    void takesExactlyWhatTheWindowScanTakes() {
        Random random = new Random(12);
        for (int round = 0; round < 2_000; round++) {
            AggregateQueue queue = new AggregateQueue();
            ArrayDeque<Work> reference = new ArrayDeque<>();
            long next = 1;
            for (int op = 0; op < 60; op++) {
                int choice = random.nextInt(10);
                if (choice < 5) {
                    long seq = Math.max(1, next + random.nextInt(40) - 20);
                    next++;
                    Work work = work(seq);
                    queue.add(work);
                    reference.addLast(work);
                } else if (choice < 9) {
                    assertThat(queue.takeNext()).isSameAs(scan(reference));
                } else {
                    assertThat(queue.poll()).isSameAs(reference.pollFirst());
                }
                assertThat(queue.inversions()).isEqualTo(inversions(reference));
                assertThat(queue.size()).isEqualTo(reference.size());
            }
        }
    }

    /** The rule before the count: the lowest sequence among the first REORDER_WINDOW, the earliest of equals. */
    private static Work scan(ArrayDeque<Work> queue) {
        Work first = queue.peekFirst();
        if (first == null || queue.size() == 1) {
            return queue.pollFirst();
        }
        Work lowest = first;
        int scanned = 0;
        for (Work candidate : queue) {
            if (++scanned > AggregateQueue.REORDER_WINDOW) {
                break;
            }
            if (candidate.sequence() < lowest.sequence()) {
                lowest = candidate;
            }
        }
        for (Iterator<Work> it = queue.iterator(); it.hasNext(); ) {
            if (it.next() == lowest) {
                it.remove();
                break;
            }
        }
        return lowest;
    }

    private static int inversions(ArrayDeque<Work> queue) {
        int count = 0;
        Work previous = null;
        for (Work work : queue) {
            if (previous != null && work.sequence() < previous.sequence()) {
                count++;
            }
            previous = work;
        }
        return count;
    }

    private static Work work(long sequence) {
        Event event = Event.of("e" + sequence, KEY.domain(), KEY.aggregateId(), sequence, "t", new byte[0]);
        return Work.of(event, KEY, STRICT, Work.Origin.SUBMITTED, null);
    }
}
