package io.seqtrack.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.seqtrack.processor.Event;
import java.nio.charset.StandardCharsets;
import java.util.OptionalLong;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/** {@link RecordMapper#fromHeaders()}: which header counts, the fallbacks, and what it refuses. */
class HeaderRecordMapperTest {

    @Test
    void theLastHeaderOfANameCounts_asHeadersLastHeaderWouldFindIt() {
        ConsumerRecord<byte[], byte[]> record = record("a-key");
        header(record, SeqtrackHeaders.DOMAIN, "company");
        header(record, SeqtrackHeaders.SEQUENCE, "1");
        header(record, SeqtrackHeaders.DOMAIN, "user_account");
        header(record, SeqtrackHeaders.SEQUENCE, " 7 ");
        header(record, SeqtrackHeaders.EVENT_TYPE, "Changed");
        header(record, SeqtrackHeaders.EVENT_ID, "e-1");

        Event event = RecordMapper.fromHeaders().map(record);
        assertThat(event.domain()).isEqualTo("user_account");
        assertThat(event.aggregateId()).as("the key, without the header").isEqualTo("a-key");
        assertThat(event.sequence()).isEqualTo(OptionalLong.of(7));
        assertThat(event.aggregateVersion()).isEmpty();
        assertThat(event.type()).isEqualTo("Changed");
        assertThat(event.eventId()).isEqualTo("e-1");
    }

    @Test
    void aHeaderWhoseLastValueIsNullIsMissing_andTheEventIdDefaultsToThePosition() {
        ConsumerRecord<byte[], byte[]> record = record(null);
        header(record, SeqtrackHeaders.AGGREGATE_ID, "a1");
        header(record, SeqtrackHeaders.AGGREGATE_VERSION, "3");
        header(record, SeqtrackHeaders.DOMAIN, "user_account");
        record.headers().add(SeqtrackHeaders.DOMAIN, null);

        assertThatThrownBy(() -> RecordMapper.fromHeaders().map(record))
                .isInstanceOf(UnmappableRecordException.class).hasMessageContaining(SeqtrackHeaders.DOMAIN);
        Event event = RecordMapper.fromHeaders("company").map(record);
        assertThat(event.domain()).isEqualTo("company");
        assertThat(event.aggregateVersion()).isEqualTo(OptionalLong.of(3));
        assertThat(event.eventId()).isEqualTo("events-2@9");
    }

    @Test
    void aRecordWithoutSequenceOrVersionOrWithABadNumberIsRefused() {
        ConsumerRecord<byte[], byte[]> unnumbered = record("a1");
        header(unnumbered, SeqtrackHeaders.DOMAIN, "user_account");
        assertThatThrownBy(() -> RecordMapper.fromHeaders().map(unnumbered))
                .isInstanceOf(UnmappableRecordException.class).hasMessageContaining(SeqtrackHeaders.SEQUENCE);

        ConsumerRecord<byte[], byte[]> bad = record("a1");
        header(bad, SeqtrackHeaders.DOMAIN, "user_account");
        header(bad, SeqtrackHeaders.SEQUENCE, "x7");
        assertThatThrownBy(() -> RecordMapper.fromHeaders().map(bad))
                .isInstanceOf(UnmappableRecordException.class).hasMessageContaining("'x7'");
    }

    private static ConsumerRecord<byte[], byte[]> record(String key) {
        return new ConsumerRecord<>("events", 2, 9, key == null ? null : key.getBytes(StandardCharsets.UTF_8),
                new byte[0]);
    }

    private static void header(ConsumerRecord<byte[], byte[]> record, String name, String value) {
        record.headers().add(name, value.getBytes(StandardCharsets.UTF_8));
    }
}
