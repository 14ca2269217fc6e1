package io.seqtrack.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.seqtrack.processor.Event;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.OptionalLong;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.junit.jupiter.api.Test;

/**
 * The mapper on headers as the consumer fetches them — key and value slices of one fetch buffer — read as bytes
 * ({@link HeaderBytes}), and the same record with ordinary headers: the same event either way.
 */
class HeaderBytesTest {

    @Test
    void theFetchBufferFieldsAreReachable() {
        // fails when a Kafka upgrade renames RecordHeader's fields: the mapper still works, but decodes every header key
        assertThat(HeaderBytes.available()).isTrue();
        RecordHeader fetched = fetched("seqtrack-domain", "user_account");
        assertThat(HeaderBytes.key(fetched)).isNotNull();
        assertThat(HeaderBytes.value(fetched)).isNotNull();
        fetched.key();
        assertThat(HeaderBytes.key(fetched)).as("decoded already: the public method then").isNull();
        assertThat(HeaderBytes.key(new RecordHeader("seqtrack-domain", new byte[0]))).isNull();
    }

    @Test
    void fetchedHeadersMapToTheSameEventAsOrdinaryOnes_withoutDecodingTheirKeys() {
        String[][] headers = {
            {SeqtrackHeaders.DOMAIN, "company"}, {"other", "x"}, {SeqtrackHeaders.DOMAIN, "user_account"},
            {SeqtrackHeaders.AGGREGATE_ID, "ä-1 {x}"}, {SeqtrackHeaders.SEQUENCE, "123456789012345678"},
            {SeqtrackHeaders.AGGREGATE_VERSION, " 9 "}, {SeqtrackHeaders.EVENT_ID, "e-7"},
            {SeqtrackHeaders.EVENT_TYPE, "Changed"}, {"seqtrack-domainx", "no"}};
        ConsumerRecord<byte[], byte[]> fetched = record();
        ConsumerRecord<byte[], byte[]> plain = record();
        for (String[] h : headers) {
            fetched.headers().add(fetched(h[0], h[1]));
            plain.headers().add(h[0], h[1].getBytes(StandardCharsets.UTF_8));
        }
        RecordMapper mapper = RecordMapper.fromHeaders();
        Event event = mapper.map(fetched);
        assertThat(event).isEqualTo(mapper.map(plain));
        assertThat(event.domain()).isEqualTo("user_account");
        assertThat(event.aggregateId()).isEqualTo("ä-1 {x}");
        assertThat(event.sequence()).isEqualTo(OptionalLong.of(123456789012345678L));
        assertThat(event.aggregateVersion()).as("not plain digits: parsed as text").isEqualTo(OptionalLong.of(9));
        for (Header header : fetched.headers()) {
            assertThat(HeaderBytes.key(header)).as("key of %s was not decoded", header).isNotNull();
        }
        assertThat(mapper.map(fetched)).as("the cached domain and type").isEqualTo(event);
    }

    @Test
    void numbersThatAreNotPlainDigitsFollowTheTextRules() {
        RecordMapper mapper = RecordMapper.fromHeaders("user_account");
        assertThat(mapper.map(numbered("+7")).sequence()).isEqualTo(OptionalLong.of(7));
        assertThat(mapper.map(numbered("9223372036854775807")).sequence())
                .isEqualTo(OptionalLong.of(Long.MAX_VALUE));
        assertThatThrownBy(() -> mapper.map(numbered("9223372036854775808")))
                .isInstanceOf(UnmappableRecordException.class).hasMessageContaining("'9223372036854775808'");
        assertThatThrownBy(() -> mapper.map(numbered("7x"))).isInstanceOf(UnmappableRecordException.class)
                .hasMessageContaining("'7x'");
        assertThatThrownBy(() -> mapper.map(numbered(""))).isInstanceOf(UnmappableRecordException.class);
        assertThat(HeaderRecordMapper.digits("0042".getBytes(StandardCharsets.US_ASCII), 0, 4)).isEqualTo(42);
        assertThat(HeaderRecordMapper.digits("x12y".getBytes(StandardCharsets.US_ASCII), 1, 2)).isEqualTo(12);
    }

    @Test
    void aDomainThatChangesFromRecordToRecordIsDecodedAgain() {
        RecordMapper mapper = RecordMapper.fromHeaders();
        for (String domain : new String[] {"user_account", "company", "user_account", "user_accounx"}) {
            ConsumerRecord<byte[], byte[]> record = record();
            record.headers().add(fetched(SeqtrackHeaders.DOMAIN, domain));
            record.headers().add(fetched(SeqtrackHeaders.SEQUENCE, "1"));
            assertThat(mapper.map(record).domain()).isEqualTo(domain);
        }
    }

    /** A header as the consumer makes it: key and value are slices somewhere inside one larger buffer. */
    private static RecordHeader fetched(String key, String value) {
        byte[] k = key.getBytes(StandardCharsets.UTF_8);
        byte[] v = value.getBytes(StandardCharsets.UTF_8);
        byte[] buffer = new byte[7 + k.length + 3 + v.length + 5];
        System.arraycopy(k, 0, buffer, 7, k.length);
        System.arraycopy(v, 0, buffer, 7 + k.length + 3, v.length);
        ByteBuffer keySlice = ByteBuffer.wrap(buffer, 7, k.length).slice(); // an array offset
        ByteBuffer valueView = ByteBuffer.wrap(buffer, 7 + k.length + 3, v.length); // a position
        return new RecordHeader(keySlice, valueView);
    }

    private static ConsumerRecord<byte[], byte[]> numbered(String sequence) {
        ConsumerRecord<byte[], byte[]> record = record();
        record.headers().add(fetched(SeqtrackHeaders.SEQUENCE, sequence));
        return record;
    }

    private static ConsumerRecord<byte[], byte[]> record() {
        return new ConsumerRecord<>("events", 0, 3, "k".getBytes(StandardCharsets.UTF_8), new byte[] {1});
    }
}
