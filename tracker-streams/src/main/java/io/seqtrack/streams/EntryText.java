package io.seqtrack.streams;

import io.lettuce.core.StreamMessage;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Strict UTF-8 for the text of a stream entry (read as bytes, {@link StreamsCodec}): a field name or a text field
 * that is not valid UTF-8 is an {@link UnmappableEntryException} naming the field — never decoded with replacement
 * characters, which would hand on (and commit) other text than was written.
 */
final class EntryText {

    private EntryText() {
    }

    /** Every field name of {@code entry} is valid UTF-8; else unmappable, naming the first that is not. */
    static void requireTextNames(StreamMessage<String, byte[]> entry) {
        if (entry.getBody() == null) {
            return;
        }
        for (String name : entry.getBody().keySet()) {
            if (StreamsCodec.isEscaped(name)) {
                throw UnmappableEntryException.of(printable(name), "has a name that is not valid UTF-8 (its invalid "
                        + "bytes shown as \\xNN)");
            }
        }
    }

    /** The value of text field {@code field}, decoded strictly. */
    static String text(String field, byte[] value) {
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(value);
        CharBuffer out = CharBuffer.allocate(value.length);
        CoderResult result = decoder.decode(in, out, true);
        if (result.isError()) {
            throw UnmappableEntryException.of(field, "is not valid UTF-8 (malformed at byte " + in.position() + " of "
                    + value.length + ": 0x" + String.format("%02X", value[in.position()] & 0xFF) + "); a text field "
                    + "is never decoded with replacement characters");
        }
        decoder.flush(out);
        out.flip();
        return out.toString();
    }

    /** {@code entry} with every value decoded strictly: what a text mapper gets. */
    static StreamMessage<String, String> decoded(StreamMessage<String, byte[]> entry) {
        requireTextNames(entry);
        Map<String, String> body = new LinkedHashMap<>();
        if (entry.getBody() != null) {
            entry.getBody().forEach((name, value) -> body.put(name, value == null ? null : text(name, value)));
        }
        return new StreamMessage<>(entry.getStream(), entry.getId(), body);
    }

    /** {@code entry} with every value encoded as UTF-8: a text entry handed to a mapper of bytes. */
    static StreamMessage<String, byte[]> encoded(StreamMessage<String, String> entry) {
        Map<String, byte[]> body = new LinkedHashMap<>();
        if (entry.getBody() != null) {
            entry.getBody().forEach((name, value) -> body.put(name,
                    value == null ? null : value.getBytes(StandardCharsets.UTF_8)));
        }
        return new StreamMessage<>(entry.getStream(), entry.getId(), body);
    }

    /** A field name for people: an escaped byte (not valid UTF-8) as {@code \xNN}. */
    static String printable(String name) {
        StringBuilder out = new StringBuilder(name.length() + 8);
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c >= 0xDC00 && c <= 0xDCFF
                    && !(i > 0 && Character.isHighSurrogate(name.charAt(i - 1)))) {
                out.append(String.format("\\x%02X", c & 0xFF));
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }
}
