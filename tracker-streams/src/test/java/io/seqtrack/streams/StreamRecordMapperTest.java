package io.seqtrack.streams;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lettuce.core.StreamMessage;
import io.lettuce.core.codec.StringCodec;
import io.seqtrack.processor.Event;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The mappers and the runner's codec without a server: a payload is taken as bytes, text fields strictly as UTF-8
 * (an {@link UnmappableEntryException} naming the field, never a replacement character), and field names are decoded
 * losslessly.
 */
class StreamRecordMapperTest {

    private static final byte[] BINARY = {(byte) 0x0a, (byte) 0xff, (byte) 0xfe, 0x00, (byte) 0xc3};

    @Test
    void theDefaultMapperTakesTheTextFieldsAndThePayloadAsBytesUnchanged() {
        Event event = StreamRecordMapper.fromFields().mapBytes(entry("domain", "d", "aggregateId", "a\u00e9",
                "sequence", " 7 ", "type", "T", "payload", BINARY));
        assertThat(event.aggregateId()).isEqualTo("a\u00e9");
        assertThat(event.sequence()).hasValue(7);
        assertThat(event.eventId()).isEqualTo("s@1-0");
        assertThat(event.type()).isEqualTo("T");
        assertThat(event.payload()).isEqualTo(BINARY);
        assertThat(StreamRecordMapper.fromFields().mapBytes(entry("domain", "d", "aggregateId", "a", "sequence", "1"))
                .payload()).isEmpty();
    }

    @Test
    void aTextFieldThatIsNotUtf8IsUnmappableNamingTheField() {
        for (String field : new String[] {"domain", "aggregateId", "sequence", "eventId", "type"}) {
            Map<String, Object> fields = new LinkedHashMap<>(Map.of("domain", "d", "aggregateId", "a",
                    "sequence", "1"));
            fields.put(field, new byte[] {'1', (byte) 0xc3, '('});
            assertThatThrownBy(() -> StreamRecordMapper.fromFields().mapBytes(entry(fields)))
                    .isInstanceOf(UnmappableEntryException.class)
                    .hasMessageContaining("field " + field + " is not valid UTF-8 (malformed at byte 1 of 3: 0xC3)");
        }
    }

    /** A lambda (text) mapper: its values decoded strictly before it runs; the default is never fed lossy text. */
    @Test
    void aTextMapperIsGivenStrictlyDecodedTextAndNeverABinaryValue() {
        StreamRecordMapper text = entry -> Event.of("e", "d", "a", 1, "",
                entry.getBody().get("payload").getBytes(StandardCharsets.UTF_8));
        assertThat(text.mapBytes(entry("payload", "h\u00e9llo \ud83d\ude00".getBytes(StandardCharsets.UTF_8)))
                .payload()).isEqualTo("h\u00e9llo \ud83d\ude00".getBytes(StandardCharsets.UTF_8));
        assertThatThrownBy(() -> text.mapBytes(entry("payload", BINARY)))
                .isInstanceOf(UnmappableEntryException.class).hasMessageContaining("field payload is not valid UTF-8");
    }

    @Test
    void aBytesMapperIsGivenTheValuesAsStoredOrItsTextEntryAsUtf8() {
        StreamRecordMapper bytes = StreamRecordMapper.ofBytes(entry -> Event.of("e", "d", "a", 1, "",
                entry.getBody().get("payload")));
        assertThat(bytes.mapBytes(entry("payload", BINARY)).payload()).isEqualTo(BINARY);
        assertThat(bytes.map(new StreamMessage<>("s", "1-0", Map.of("payload", "\u00e9"))).payload())
                .isEqualTo(new byte[] {(byte) 0xc3, (byte) 0xa9});
    }

    /** Every byte string survives the field-name codec; valid UTF-8 decodes as StringCodec decodes it. */
    @Test
    void fieldNamesAreDecodedLosslesslyAndValidUtf8AsStringCodecDoes() {
        Random random = new Random(4);
        for (int i = 0; i < 20_000; i++) {
            byte[] name = new byte[random.nextInt(12)];
            random.nextBytes(name);
            if (i % 3 == 0) { // mostly valid: ASCII with a few high bytes
                for (int j = 0; j < name.length; j++) {
                    name[j] = (byte) (random.nextInt(8) == 0 ? name[j] : 'a' + random.nextInt(26));
                }
            }
            String decoded = StreamsCodec.INSTANCE.decodeKey(ByteBuffer.wrap(name));
            ByteBuffer encoded = StreamsCodec.INSTANCE.encodeKey(decoded);
            byte[] back = new byte[encoded.remaining()];
            encoded.get(back);
            assertThat(back).as("round trip of %s", java.util.HexFormat.of().formatHex(name)).isEqualTo(name);
            boolean valid = isUtf8(name);
            assertThat(StreamsCodec.isEscaped(decoded)).isEqualTo(!valid);
            if (valid) {
                assertThat(decoded).isEqualTo(StringCodec.UTF8.decodeKey(ByteBuffer.wrap(name)));
            }
        }
        String supplementary = "x\ud83d\ude00y";
        assertThat(StreamsCodec.INSTANCE.decodeKey(StreamsCodec.INSTANCE.encodeKey(supplementary)))
                .isEqualTo(supplementary);
        assertThat(StreamsCodec.isEscaped(supplementary)).isFalse();
        assertThat(EntryText.printable(StreamsCodec.INSTANCE.decodeKey(ByteBuffer.wrap(
                new byte[] {'p', (byte) 0xff, (byte) 0xc3, 'q'})))).isEqualTo("p\\xFF\\xC3q");
    }

    @Test
    void theRejectionGivesTheOriginalFieldsBack() {
        byte[] name = {'n', (byte) 0xff};
        Map<String, byte[]> body = new LinkedHashMap<>();
        body.put(StreamsCodec.INSTANCE.decodeKey(ByteBuffer.wrap(name)), BINARY);
        body.put("payload", BINARY);
        StreamRejection rejection = new StreamRejection(new StreamMessage<>("s", "1-0", body), "r",
                StreamRejection.Kind.UNMAPPABLE);
        assertThat(rejection.originalFields().entrySet()).satisfiesExactly(
                f -> assertThat(f.getKey()).isEqualTo(name),
                f -> assertThat(f.getKey()).isEqualTo("payload".getBytes(StandardCharsets.UTF_8)));
        assertThat(rejection.originalFields().values()).allSatisfy(v -> assertThat(v).isEqualTo(BINARY));
        assertThatThrownBy(() -> EntryText.requireTextNames(rejection.entry()))
                .isInstanceOf(UnmappableEntryException.class).hasMessageContaining("field n\\xFF has a name");
    }

    private static boolean isUtf8(byte[] bytes) {
        try {
            StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes));
            return true;
        } catch (java.nio.charset.CharacterCodingException e) {
            return false;
        }
    }

    private static StreamMessage<String, byte[]> entry(Object... namesAndValues) {
        Map<String, Object> fields = new LinkedHashMap<>();
        for (int i = 0; i < namesAndValues.length; i += 2) {
            fields.put((String) namesAndValues[i], namesAndValues[i + 1]);
        }
        return entry(fields);
    }

    private static StreamMessage<String, byte[]> entry(Map<String, Object> fields) {
        Map<String, byte[]> body = new LinkedHashMap<>();
        fields.forEach((name, value) -> body.put(name, value instanceof byte[] b ? b
                : ((String) value).getBytes(StandardCharsets.UTF_8)));
        return new StreamMessage<>("s", "1-0", body);
    }
}
