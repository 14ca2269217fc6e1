package io.seqtrack.redis;

import io.seqtrack.core.domain.AggregateKey;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;

/**
 * Maps aggregates to Redis keys and hash fields. See docs/operations.md ("Key layout").
 *
 * <pre>
 *   {prefix}:{{domain}:{bucket}}:r   HASH  field(aggregateId) -> "last" | "last:fence"     resting state
 *   {prefix}:{{domain}:{bucket}}:c   HASH  field(aggregateId) -> "token:seq:expiresAt:owner"   claims
 * </pre>
 *
 * The event buffer's keys share the same hash tag; see {@link #bufferKeys}.
 *
 * <ul>
 *   <li>All keys of one aggregate carry the same hash tag {@code {domain:bucket}}, so they share a Cluster slot and one
 *       script can touch them atomically.</li>
 *   <li>The domain is percent-encoded (every byte outside {@code [A-Za-z0-9_.-]}), so it can contain neither a brace
 *       nor a separator: it cannot change the hash tag or collide with another domain.</li>
 *   <li>The bucket is {@code CRC32(UTF-8 id) mod buckets}: many idle aggregates share one small hash, which Redis
 *       stores as a compact listpack — that is what makes the resting state cost tens of bytes, not a hundred.</li>
 *   <li>The field is the id's UTF-8 bytes, except that a canonical lower-case UUID is packed into 17 bytes
 *       ({@code 0x01} + 16 bytes) and an id whose bytes start with {@code 0x00} or {@code 0x01} is escaped with a
 *       leading {@code 0x00}. Decoding is unambiguous, so the mapping is injective.</li>
 * </ul>
 */
final class KeyLayout {

    private static final byte UUID_TAG = 0x01;
    private static final byte ESCAPE = 0x00;

    private final String prefix;
    private final int buckets;

    KeyLayout(String prefix, int buckets) {
        this.prefix = prefix;
        this.buckets = buckets;
    }

    /** The keys of the aggregate's bucket: resting state first, claims second. */
    byte[][] keys(AggregateKey key) {
        String tag = tag(key);
        return new byte[][] {(tag + "r").getBytes(StandardCharsets.UTF_8), (tag + "c").getBytes(StandardCharsets.UTF_8)};
    }

    /** {@code {prefix}:{{domain}:{bucket}}:}, the start of every key of the aggregate's bucket. */
    private String tag(AggregateKey key) {
        return prefix + ":{" + encodeDomain(key.domain()) + ":" + bucket(key.aggregateId()) + "}:";
    }

    // ------------------------------------------------------------------ event buffer

    /** Index of {@link #bufferKeys} for the aggregate's pending events (sorted set). */
    static final int PENDING = 0;
    /** Index of {@link #bufferKeys} for the aggregate's parked events (sorted set). */
    static final int PARKED = 1;
    /** Index of {@link #bufferKeys} for the bucket's index of aggregates with pending events (hash). */
    static final int PENDING_INDEX = 2;
    /** Index of {@link #bufferKeys} for the bucket's index of aggregates with parked events (hash). */
    static final int PARKED_INDEX = 3;
    /** Index of {@link #bufferKeys} for the bucket's count of pending events (string). */
    static final int PENDING_COUNT = 4;
    /** Index of {@link #bufferKeys} for the aggregate's skipped ranges (list). */
    static final int SKIPPED = 5;

    /**
     * The event buffer's keys of the aggregate, all in its bucket's hash slot (see docs/operations.md, "Event buffer"):
     *
     * <pre>
     *   {prefix}:{{domain}:{bucket}}:p:{field}   ZSET    pending events of the aggregate
     *   {prefix}:{{domain}:{bucket}}:k:{field}   ZSET    parked events of the aggregate
     *   {prefix}:{{domain}:{bucket}}:pi          HASH    field -> aggregate key, for aggregates with pending events
     *   {prefix}:{{domain}:{bucket}}:ki          HASH    field -> aggregate key, for aggregates with parked events
     *   {prefix}:{{domain}:{bucket}}:pn          STRING  pending events in the bucket
     *   {prefix}:{{domain}:{bucket}}:s:{field}   LIST    skipped ranges of the aggregate, oldest first
     * </pre>
     *
     * The per-aggregate keys end in the field, which is injective ({@link #field}); the hash tag comes first, so
     * whatever the field holds cannot move the key to another slot.
     */
    byte[][] bufferKeys(AggregateKey key) {
        String tag = tag(key);
        byte[] field = field(key.aggregateId());
        return new byte[][] {
            concat(tag + "p:", field), concat(tag + "k:", field),
            (tag + "pi").getBytes(StandardCharsets.UTF_8), (tag + "ki").getBytes(StandardCharsets.UTF_8),
            (tag + "pn").getBytes(StandardCharsets.UTF_8), concat(tag + "s:", field)};
    }

    /** A SCAN pattern for the bucket keys of this prefix ending in {@code suffix} ({@code pi}, {@code ki}, {@code pn}). */
    String bucketKeyPattern(String suffix) {
        // the prefix holds no glob character ([A-Za-z0-9_.:-]), so it needs no escaping
        return prefix + ":{*}:" + suffix;
    }

    /**
     * Whether {@code key} is exactly a bucket key of this prefix with that suffix. SCAN's pattern is only a coarse
     * filter: an aggregate's own key {@code ...}:p:x}:pi} (id {@code "x}:pi"}) matches it too, and so might a key of
     * another prefix that starts with this one.
     */
    boolean isBucketKey(byte[] key, String suffix) {
        String head = prefix + ":{";
        String tail = "}:" + suffix;
        if (key.length <= head.length() + tail.length()) {
            return false;
        }
        String text = new String(key, StandardCharsets.ISO_8859_1);
        if (!text.startsWith(head) || !text.endsWith(tail)) {
            return false;
        }
        String inner = text.substring(head.length(), text.length() - tail.length());
        int colon = inner.indexOf(':');
        if (colon < 1 || colon == inner.length() - 1) {
            return false;
        }
        for (int i = 0; i < colon; i++) {
            char c = inner.charAt(i);
            if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.'
                    || c == '-' || c == '%')) {
                return false;
            }
        }
        for (int i = colon + 1; i < inner.length(); i++) {
            char c = inner.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
        }
        return true;
    }

    private static byte[] concat(String head, byte[] tail) {
        byte[] h = head.getBytes(StandardCharsets.UTF_8);
        byte[] out = new byte[h.length + tail.length];
        System.arraycopy(h, 0, out, 0, h.length);
        System.arraycopy(tail, 0, out, h.length, tail.length);
        return out;
    }

    int buckets() {
        return buckets;
    }

    int bucket(String aggregateId) {
        CRC32 crc = new CRC32();
        crc.update(aggregateId.getBytes(StandardCharsets.UTF_8));
        return (int) (crc.getValue() % buckets);
    }

    static String encodeDomain(String domain) {
        StringBuilder out = new StringBuilder(domain.length());
        for (byte b : domain.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.'
                    || c == '-') {
                out.append((char) c);
            } else {
                out.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
            }
        }
        return out.toString();
    }

    static byte[] field(String aggregateId) {
        if (isCanonicalUuid(aggregateId)) {
            String hex = aggregateId.replace("-", "");
            byte[] packed = new byte[17];
            packed[0] = UUID_TAG;
            for (int i = 0; i < 16; i++) {
                packed[i + 1] = (byte) Integer.parseInt(hex, 2 * i, 2 * i + 2, 16);
            }
            return packed;
        }
        byte[] raw = aggregateId.getBytes(StandardCharsets.UTF_8);
        if (raw.length > 0 && (raw[0] == ESCAPE || raw[0] == UUID_TAG)) {
            ByteArrayOutputStream escaped = new ByteArrayOutputStream(raw.length + 1);
            escaped.write(ESCAPE);
            escaped.writeBytes(raw);
            return escaped.toByteArray();
        }
        return raw;
    }

    /** {@code xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx} in lower-case hex; upper case stays a different, unpacked id. */
    static boolean isCanonicalUuid(String id) {
        if (id.length() != 36) {
            return false;
        }
        for (int i = 0; i < 36; i++) {
            char c = id.charAt(i);
            boolean dash = i == 8 || i == 13 || i == 18 || i == 23;
            if (dash ? c != '-' : !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
                return false;
            }
        }
        return true;
    }
}
