package io.seqtrack.kafka;

import io.seqtrack.processor.Event;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.OptionalLong;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;

/** {@link RecordMapper#fromHeaders()}: the {@link SeqtrackHeaders}, the key as a fallback aggregate id. */
final class HeaderRecordMapper implements RecordMapper {

    private final String defaultDomain;
    /** The last domain and event type decoded (see {@link #decode}). */
    private Decoded lastDomain;
    private Decoded lastType;

    HeaderRecordMapper(String defaultDomain) {
        this.defaultDomain = defaultDomain;
    }

    @Override
    public Event map(ConsumerRecord<byte[], byte[]> record) {
        Found found = new Found(record);
        String domain = found.text(DOMAIN);
        if (domain == null) {
            domain = defaultDomain;
        }
        if (domain == null) {
            throw UnmappableRecordException.of("header " + SeqtrackHeaders.DOMAIN, "is missing (and the mapper has no "
                    + "default domain)");
        }
        String aggregateId = found.text(AGGREGATE_ID);
        if (aggregateId == null && record.key() != null) {
            aggregateId = new String(record.key(), StandardCharsets.UTF_8);
        }
        if (aggregateId == null) {
            throw UnmappableRecordException.of("header " + SeqtrackHeaders.AGGREGATE_ID, "is missing and the record has "
                    + "no key");
        }
        OptionalLong sequence = found.number(SEQUENCE);
        OptionalLong version = found.number(AGGREGATE_VERSION);
        if (sequence.isEmpty() && version.isEmpty()) {
            // never default a missing sequence (the replaced system read it as 1)
            throw UnmappableRecordException.of("header " + SeqtrackHeaders.SEQUENCE, "is missing (and so is "
                    + SeqtrackHeaders.AGGREGATE_VERSION + ")");
        }
        String eventId = found.text(EVENT_ID);
        if (eventId == null) {
            eventId = record.topic() + "-" + record.partition() + "@" + record.offset();
        }
        return new Event(eventId, domain, aggregateId, sequence, version, found.text(EVENT_TYPE), record.value());
    }

    private static final int DOMAIN = 0;
    private static final int AGGREGATE_ID = 1;
    private static final int SEQUENCE = 2;
    private static final int AGGREGATE_VERSION = 3;
    private static final int EVENT_ID = 4;
    private static final int EVENT_TYPE = 5;
    private static final String[] NAMES = {SeqtrackHeaders.DOMAIN, SeqtrackHeaders.AGGREGATE_ID,
        SeqtrackHeaders.SEQUENCE, SeqtrackHeaders.AGGREGATE_VERSION, SeqtrackHeaders.EVENT_ID,
        SeqtrackHeaders.EVENT_TYPE};
    private static final byte[][] NAME_BYTES = Arrays.stream(NAMES).map(n -> n.getBytes(StandardCharsets.UTF_8))
            .toArray(byte[][]::new);

    /**
     * The last header of each name (as {@code Headers.lastHeader} would find it), from one pass over the record's
     * headers instead of one per name: the mapper runs on the poll thread, once per record. Keys are compared as bytes
     * and values decoded straight from the fetch buffer where {@link HeaderBytes} can reach them; the numbers are
     * parsed from the bytes, and the domain and event type — a handful of distinct values — reuse the last string
     * decoded for the same bytes.
     */
    private final class Found {

        private final Header[] headers = new Header[NAMES.length];

        Found(ConsumerRecord<byte[], byte[]> record) {
            for (Header header : record.headers()) {
                ByteBuffer key = HeaderBytes.key(header);
                int name = key != null
                        ? nameOf(key.array(), key.arrayOffset() + key.position(), key.remaining())
                        : nameOf(header.key());
                if (name >= 0) {
                    headers[name] = header;
                }
            }
        }

        String text(int name) {
            Header header = headers[name];
            if (header == null) {
                return null;
            }
            ByteBuffer buffer = HeaderBytes.value(header);
            if (buffer != null) {
                return decode(name, buffer.array(), buffer.arrayOffset() + buffer.position(), buffer.remaining());
            }
            byte[] value = header.value();
            return value == null ? null : decode(name, value, 0, value.length);
        }

        OptionalLong number(int name) {
            Header header = headers[name];
            if (header == null) {
                return OptionalLong.empty();
            }
            ByteBuffer buffer = HeaderBytes.value(header);
            if (buffer != null) {
                long plain = digits(buffer.array(), buffer.arrayOffset() + buffer.position(), buffer.remaining());
                if (plain >= 0) {
                    return OptionalLong.of(plain);
                }
            }
            String text = text(name);
            if (text == null) {
                return OptionalLong.empty();
            }
            try {
                return OptionalLong.of(Long.parseLong(text.strip()));
            } catch (NumberFormatException e) {
                throw UnmappableRecordException.of("header " + NAMES[name], "is not a decimal number: '" + text + "'");
            }
        }
    }

    /** The index of the header name {@code bytes[from, from + length)} spells, or -1. */
    static int nameOf(byte[] bytes, int from, int length) {
        for (int i = 0; i < NAME_BYTES.length; i++) {
            byte[] name = NAME_BYTES[i];
            if (name.length == length && Arrays.equals(name, 0, length, bytes, from, from + length)) {
                return i;
            }
        }
        return -1;
    }

    private static int nameOf(String key) {
        for (int i = 0; i < NAMES.length; i++) {
            if (NAMES[i].equals(key)) {
                return i;
            }
        }
        return -1;
    }

    /**
     * The value of a plain run of 1 to 18 ASCII digits — what producers write — or -1 for anything else (a sign,
     * spaces, more digits, not a number), which the caller then parses as text, with the text's rules and errors.
     */
    static long digits(byte[] bytes, int from, int length) {
        if (length < 1 || length > 18) {
            return -1;
        }
        long value = 0;
        for (int i = from; i < from + length; i++) {
            int digit = bytes[i] - '0';
            if (digit < 0 || digit > 9) {
                return -1;
            }
            value = value * 10 + digit;
        }
        return value;
    }

    private String decode(int name, byte[] bytes, int from, int length) {
        if (name != DOMAIN && name != EVENT_TYPE) {
            return new String(bytes, from, length, StandardCharsets.UTF_8);
        }
        Decoded last = name == DOMAIN ? lastDomain : lastType;
        if (last != null && Arrays.equals(last.bytes, 0, last.bytes.length, bytes, from, from + length)) {
            return last.text;
        }
        Decoded decoded = new Decoded(Arrays.copyOfRange(bytes, from, from + length));
        if (name == DOMAIN) {
            lastDomain = decoded;
        } else {
            lastType = decoded;
        }
        return decoded.text;
    }

    /**
     * A decoded value and its bytes. Immutable, so a mapper shared by several poll threads may race on the fields that
     * hold the last ones: each thread sees a whole one (final fields), at worst not the latest.
     */
    private static final class Decoded {
        final byte[] bytes;
        final String text;

        Decoded(byte[] bytes) {
            this.bytes = bytes;
            this.text = new String(bytes, StandardCharsets.UTF_8);
        }
    }
}
