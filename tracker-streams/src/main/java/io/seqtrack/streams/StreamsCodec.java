package io.seqtrack.streams;

import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.RedisCodec;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * The codec of the runner's connections: values are bytes, exactly as stored ({@link ByteArrayCodec}), so a binary
 * payload is never decoded. Keys are Strings — the stream, the group and consumer names the runner sends, encoded as
 * UTF-8 as Lettuce's {@code StringCodec} does — and so are the field names of the entries read, because Lettuce
 * decodes a stream entry's field names with the key codec ({@code StreamMessage<K, V>}: body {@code Map<K, V>}).
 *
 * <p>A field name is decoded losslessly, never replaced: valid UTF-8 gives the same String as {@code StringCodec};
 * each byte of a malformed sequence becomes the lone surrogate {@code U+DC00 + byte} (Python's "surrogateescape",
 * PEP 383). Strict UTF-8 decoding never yields a lone surrogate, so the two cannot be confused: an escaped name is
 * recognised ({@link #isEscaped}), the entry is rejected as {@code UNMAPPABLE} naming the field, and
 * {@link #encodeKey} turns it back into its original bytes ({@link StreamRejection#originalFields()}). Decoding must
 * not throw: an exception in a codec fails the whole {@code XREADGROUP} reply — every entry of the batch, delivered
 * and never seen.
 */
final class StreamsCodec implements RedisCodec<String, byte[]> {

    static final StreamsCodec INSTANCE = new StreamsCodec();

    private StreamsCodec() {
    }

    @Override
    public String decodeKey(ByteBuffer bytes) {
        return decodeEscaping(bytes);
    }

    @Override
    public byte[] decodeValue(ByteBuffer bytes) {
        return ByteArrayCodec.INSTANCE.decodeValue(bytes);
    }

    @Override
    public ByteBuffer encodeKey(String key) {
        return ByteBuffer.wrap(encodeEscaped(key));
    }

    @Override
    public ByteBuffer encodeValue(byte[] value) {
        return ByteArrayCodec.INSTANCE.encodeValue(value);
    }

    /** Whether {@code key} holds an escaped byte: it was decoded from bytes that are not valid UTF-8. */
    static boolean isEscaped(String key) {
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < key.length() && Character.isLowSurrogate(key.charAt(i + 1))) {
                i++; // a pair: a supplementary character
            } else if (Character.isSurrogate(c)) {
                return true;
            }
        }
        return false;
    }

    /** The original bytes of a decoded key: UTF-8, and each escaped byte as itself. */
    static byte[] encodeEscaped(String key) {
        if (!isEscaped(key)) {
            return key.getBytes(StandardCharsets.UTF_8);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(key.length() + 8);
        int run = 0; // start of the run of characters not yet written
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < key.length() && Character.isLowSurrogate(key.charAt(i + 1))) {
                i++;
            } else if (c >= 0xDC00 && c <= 0xDCFF) {
                out.writeBytes(key.substring(run, i).getBytes(StandardCharsets.UTF_8));
                out.write(c & 0xFF);
                run = i + 1;
            }
        }
        out.writeBytes(key.substring(run).getBytes(StandardCharsets.UTF_8));
        return out.toByteArray();
    }

    private static String decodeEscaping(ByteBuffer bytes) {
        ByteBuffer in = bytes.duplicate();
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        CharBuffer out = CharBuffer.allocate(in.remaining() + 1);
        while (true) {
            CoderResult result = decoder.decode(in, out, true);
            if (result.isUnderflow()) {
                break;
            }
            if (result.isOverflow()) { // cannot happen (one char per byte at most), but never loop on it
                CharBuffer larger = CharBuffer.allocate(out.capacity() * 2 + 2);
                out.flip();
                larger.put(out);
                out = larger;
                continue;
            }
            for (int n = result.length(); n > 0; n--) { // malformed: each of its bytes, escaped
                out.put((char) (0xDC00 | (in.get() & 0xFF)));
            }
        }
        decoder.flush(out);
        out.flip();
        return out.toString();
    }
}
