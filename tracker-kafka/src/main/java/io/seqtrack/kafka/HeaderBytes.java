package io.seqtrack.kafka;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;

/**
 * The bytes of a fetched record's header key and value, read where the consumer left them instead of through
 * {@link Header#key()} and {@link Header#value()}: a fetched {@link RecordHeader} holds its key and value as slices of
 * the fetch buffer and decodes the key into a new {@code String} (and copies the value into a new array) under a lock
 * the first time either is asked for. The mapper runs on the poll thread once per record, and that decoding was its
 * largest cost (JFR, {@code KafkaAdapterBenchmark}: {@code Utils.utf8} under {@code RecordHeader.key()} was a sixth of
 * the poll thread). Comparing the key's bytes with the header names needs no string at all.
 *
 * <p>The slices are private fields of {@code RecordHeader} ({@code keyBuffer}, {@code valueBuffer}), read through
 * {@link VarHandle}s found once. Where they cannot be found (another Kafka version, a module that is not open), or
 * for a header that was decoded already (the field is then null) or is not a {@code RecordHeader}, the accessors
 * return null and the caller uses the public methods: the result is the same, only slower.
 * {@code HeaderBytesTest#theFetchBufferFieldsAreReachable} fails when a Kafka upgrade loses the fast path.
 */
final class HeaderBytes {

    private static final VarHandle KEY_BUFFER;
    private static final VarHandle VALUE_BUFFER;

    static {
        VarHandle key = null;
        VarHandle value = null;
        try {
            MethodHandles.Lookup lookup = MethodHandles.privateLookupIn(RecordHeader.class, MethodHandles.lookup());
            key = lookup.findVarHandle(RecordHeader.class, "keyBuffer", ByteBuffer.class);
            value = lookup.findVarHandle(RecordHeader.class, "valueBuffer", ByteBuffer.class);
        } catch (ReflectiveOperationException | RuntimeException e) {
            key = null;
            value = null;
        }
        KEY_BUFFER = key;
        VALUE_BUFFER = value;
    }

    private HeaderBytes() {
    }

    /** Whether the fetch buffers can be read (tests). */
    static boolean available() {
        return KEY_BUFFER != null;
    }

    /** The key's bytes as the consumer fetched them, or null (then use {@link Header#key()}). Do not change it. */
    static ByteBuffer key(Header header) {
        return KEY_BUFFER != null && header.getClass() == RecordHeader.class
                ? arrayBacked((ByteBuffer) KEY_BUFFER.getVolatile((RecordHeader) header)) : null;
    }

    /** The value's bytes as the consumer fetched them, or null (then use {@link Header#value()}). Do not change it. */
    static ByteBuffer value(Header header) {
        return VALUE_BUFFER != null && header.getClass() == RecordHeader.class
                ? arrayBacked((ByteBuffer) VALUE_BUFFER.getVolatile((RecordHeader) header)) : null;
    }

    private static ByteBuffer arrayBacked(ByteBuffer buffer) {
        return buffer != null && buffer.hasArray() ? buffer : null;
    }
}
