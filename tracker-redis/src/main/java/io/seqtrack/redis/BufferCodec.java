package io.seqtrack.redis;

import io.seqtrack.core.domain.AggregateKey;
import io.seqtrack.core.port.out.BufferedEvent;
import io.seqtrack.core.port.out.ParkedEvent;
import io.seqtrack.core.port.out.SkippedRange;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.DateTimeException;
import java.time.Instant;
import java.util.Arrays;

/**
 * The binary values of the Redis event buffer. See docs/operations.md ("Event buffer").
 *
 * <pre>
 *   pending member   seqKey(16) | 0x01 | event
 *   parked member    seqKey(16) | 0x01 | str(reason) | time(parkedAt) | event
 *   event            str(eventId) | str(type) | time(receivedAt) | payload (the rest, raw)
 *   skipped range    0x01 | from(8) | to(8) | time(skippedAt) | reason (the rest, UTF-8)
 *   index entry      len(4) | domain (UTF-8) | aggregate id (UTF-8, the rest)
 *   str              len(4) | UTF-8 bytes;   time  epochSecond(8) | nano(4);   numbers big-endian
 * </pre>
 *
 * <p>{@code seqKey} is the sequence with its sign bit flipped, as 16 lower-case hex digits: fixed width, and byte
 * order equals signed numeric order for every {@code long}. Members of a sorted set all scored 0 are ordered by their
 * bytes, so the set is ordered by sequence exactly — a double score would merge 2^53 and 2^53 + 1.
 */
final class BufferCodec {

    static final int SEQ_KEY_LENGTH = 16;
    private static final byte VERSION = 1;
    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private BufferCodec() {
    }

    /** The fixed-width, order-preserving key of a sequence. */
    static byte[] seqKey(long sequence) {
        long flipped = sequence ^ Long.MIN_VALUE;
        byte[] out = new byte[SEQ_KEY_LENGTH];
        for (int i = SEQ_KEY_LENGTH - 1; i >= 0; i--) {
            out[i] = (byte) HEX[(int) (flipped & 0xf)];
            flipped >>>= 4;
        }
        return out;
    }

    /** The inclusive lower {@code ZRANGEBYLEX} bound of the members of {@code sequence}. */
    static byte[] lexFrom(long sequence) {
        return prefixed('[', seqKey(sequence));
    }

    /** The exclusive upper {@code ZRANGEBYLEX} bound of the members of {@code sequence}: the next sequence's key. */
    static byte[] lexTo(long sequence) {
        return sequence == Long.MAX_VALUE ? new byte[] {'+'} : prefixed('(', seqKey(sequence + 1));
    }

    static byte[] pendingMember(BufferedEvent event) {
        byte[] body = eventBytes(event);
        return ByteBuffer.allocate(SEQ_KEY_LENGTH + 1 + body.length)
                .put(seqKey(event.sequence())).put(VERSION).put(body).array();
    }

    static byte[] parkedMember(ParkedEvent parked) {
        byte[] reason = utf8(parked.reason());
        byte[] body = eventBytes(parked.event());
        return ByteBuffer.allocate(SEQ_KEY_LENGTH + 1 + 4 + reason.length + 12 + body.length)
                .put(seqKey(parked.sequence())).put(VERSION)
                .putInt(reason.length).put(reason)
                .putLong(parked.parkedAt().getEpochSecond()).putInt(parked.parkedAt().getNano())
                .put(body).array();
    }

    static byte[] skippedRange(SkippedRange range) {
        byte[] reason = utf8(range.reason());
        return ByteBuffer.allocate(1 + 8 + 8 + 12 + reason.length).put(VERSION)
                .putLong(range.fromSequence()).putLong(range.toSequence())
                .putLong(range.skippedAt().getEpochSecond()).putInt(range.skippedAt().getNano())
                .put(reason).array();
    }

    static byte[] indexEntry(AggregateKey key) {
        byte[] domain = utf8(key.domain());
        byte[] id = utf8(key.aggregateId());
        return ByteBuffer.allocate(4 + domain.length + id.length).putInt(domain.length).put(domain).put(id).array();
    }

    // ------------------------------------------------------------------ decoding

    static BufferedEvent decodePending(byte[] member) {
        ByteBuffer in = ByteBuffer.wrap(member);
        long sequence = readSeqKeyAndVersion(in);
        return readEvent(sequence, in);
    }

    static ParkedEvent decodeParked(byte[] member) {
        ByteBuffer in = ByteBuffer.wrap(member);
        long sequence = readSeqKeyAndVersion(in);
        String reason = readString(in);
        Instant parkedAt = readInstant(in);
        return new ParkedEvent(readEvent(sequence, in), reason, parkedAt);
    }

    static SkippedRange decodeSkippedRange(byte[] value) {
        ByteBuffer in = ByteBuffer.wrap(value);
        try {
            requireVersion(in.get());
            long from = in.getLong();
            long to = in.getLong();
            Instant at = readInstant(in);
            return new SkippedRange(from, to, at, readRest(in));
        } catch (BufferUnderflowException e) {
            throw new IllegalArgumentException("truncated skipped range of " + value.length + " bytes", e);
        }
    }

    static AggregateKey decodeIndexEntry(byte[] value) {
        ByteBuffer in = ByteBuffer.wrap(value);
        try {
            String domain = readString(in);
            return AggregateKey.of(domain, readRest(in));
        } catch (BufferUnderflowException e) {
            throw new IllegalArgumentException("truncated index entry of " + value.length + " bytes", e);
        }
    }

    /** Reads and checks the sequence key and the version; the rest is the body. */
    private static long readSeqKeyAndVersion(ByteBuffer in) {
        if (in.remaining() < SEQ_KEY_LENGTH + 1) {
            throw new IllegalArgumentException("member of " + in.remaining() + " bytes is shorter than its header");
        }
        long flipped = 0;
        for (int i = 0; i < SEQ_KEY_LENGTH; i++) {
            int digit = Character.digit(in.get(), 16);
            if (digit < 0) {
                throw new IllegalArgumentException("member does not start with a hex sequence key");
            }
            flipped = (flipped << 4) | digit;
        }
        requireVersion(in.get());
        return flipped ^ Long.MIN_VALUE;
    }

    private static BufferedEvent readEvent(long sequence, ByteBuffer in) {
        try {
            String eventId = readString(in);
            String type = readString(in);
            Instant receivedAt = readInstant(in);
            byte[] payload = new byte[in.remaining()];
            in.get(payload);
            return new BufferedEvent(sequence, eventId, type, payload, receivedAt);
        } catch (BufferUnderflowException e) {
            throw new IllegalArgumentException("truncated event of sequence " + sequence, e);
        }
    }

    private static String readString(ByteBuffer in) {
        int length = in.getInt();
        if (length < 0 || length > in.remaining()) {
            throw new IllegalArgumentException("string length " + length + " exceeds the " + in.remaining()
                    + " bytes left");
        }
        byte[] bytes = new byte[length];
        in.get(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    private static String readRest(ByteBuffer in) {
        return new String(in.array(), in.arrayOffset() + in.position(), in.remaining(), StandardCharsets.UTF_8);
    }

    private static Instant readInstant(ByteBuffer in) {
        long seconds = in.getLong();
        int nanos = in.getInt();
        try {
            return Instant.ofEpochSecond(seconds, nanos);
        } catch (DateTimeException e) {
            throw new IllegalArgumentException("instant " + seconds + "s " + nanos + "ns is out of range", e);
        }
    }

    private static void requireVersion(byte version) {
        if (version != VERSION) {
            throw new IllegalArgumentException("unknown encoding version " + version);
        }
    }

    private static byte[] eventBytes(BufferedEvent event) {
        byte[] id = utf8(event.eventId());
        byte[] type = utf8(event.type());
        byte[] payload = event.payload();
        return ByteBuffer.allocate(4 + id.length + 4 + type.length + 12 + payload.length)
                .putInt(id.length).put(id).putInt(type.length).put(type)
                .putLong(event.receivedAt().getEpochSecond()).putInt(event.receivedAt().getNano())
                .put(payload).array();
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] prefixed(char first, byte[] rest) {
        byte[] out = Arrays.copyOf(new byte[] {(byte) first}, 1 + rest.length);
        System.arraycopy(rest, 0, out, 1, rest.length);
        return out;
    }
}
