package io.seqtrack.redis;

import io.seqtrack.core.domain.InvalidConfigurationException;
import io.seqtrack.core.domain.SequenceStoreException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

/**
 * The layout record {@code <prefix>:layout} (invariant 11 of docs/semantics.md): a small hash that says how this
 * prefix's keys are laid out — layout version, bucket count, prefix — and the longest near-cache freshness any client
 * of the prefix uses. The first client to connect records its layout; every later client checks its own against it
 * and refuses to start on a mismatch, because a client with another bucket count would look for every aggregate in
 * the wrong hash and read "nothing committed". A client built with {@link RedisStoreConfig.Builder#adoptRecordedLayout()}
 * (the CLI) takes the recorded bucket count instead.
 *
 * <p>The near-cache freshness is what makes {@code reset}/{@code delete} safe for every process, whatever its own
 * configuration (invariant 10): they wait for the longest freshness any client registered before they return.
 */
final class LayoutRecord {

    /** The key layout this code writes; raise it when the meaning of a key or value changes. */
    static final String VERSION = "1";

    private static final String SCRIPT = Script.resource("layout");

    private LayoutRecord() {
    }

    /** What a connecting client learned: the bucket count to use and the longest near-cache freshness registered. */
    record Recorded(int buckets, Duration nearCacheFreshness) {
    }

    static byte[] key(String prefix) {
        return (prefix + ":layout").getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Records the layout on first use, or checks it against the record, and registers this client's near-cache
     * freshness.
     *
     * @throws InvalidConfigurationException naming both values if the recorded layout differs from the configured one
     * @throws SequenceStoreException        if Redis cannot answer
     */
    static Recorded verify(ScriptCalls calls, RedisStoreConfig config, String what) {
        byte[] key = key(config.keyPrefix());
        long freshness = config.nearCacheSize() == 0 ? 0 : config.nearCacheFreshness().toMillis();
        List<Object> reply = call(calls, key, what, SCRIPT,
                VERSION, config.adoptRecordedLayout() ? "" : Integer.toString(config.buckets()), config.keyPrefix(),
                Long.toString(freshness));
        String status = text(reply.get(0));
        switch (status) {
            case "NONE":
                // adopting, and nothing recorded: if the prefix holds data, it was written under a layout nobody
                // recorded (before the record existed) — guessing would read it as "nothing committed". An empty
                // prefix is safe: record the configured layout before anything is written under it.
                if (prefixHoldsData(calls, config)) {
                    throw InvalidConfigurationException.of("redis.layout", "no layout is recorded under prefix '"
                            + config.keyPrefix() + "', but it holds data (written before seqtrack recorded layouts, or "
                            + "under another tool): refusing to guess its bucket count. Configure the bucket count the "
                            + "data was written with (the CLI's --buckets), or start the application first");
                }
                return verify(calls, config.toBuilder().recordLayout().build(), what);
            case "OK":
                return new Recorded(parseInt(reply.get(2), what), Duration.ofMillis(Long.parseLong(text(reply.get(3)))));
            case "MISMATCH":
                String version = text(reply.get(1));
                String buckets = text(reply.get(2));
                if (!VERSION.equals(version)) {
                    throw InvalidConfigurationException.of("redis.layout", "the keys under prefix '"
                            + config.keyPrefix() + "' were written with layout version " + version + ", this client"
                            + " writes version " + VERSION + "; refusing to read them as something they are not");
                }
                throw InvalidConfigurationException.of("redis.buckets", "is " + config.buckets()
                        + ", but the data under prefix '" + config.keyPrefix() + "' was written with buckets("
                        + buckets + ") (recorded in " + new String(key, StandardCharsets.UTF_8)
                        + "); configure buckets(" + buckets + ") or adoptRecordedLayout()");
            default:
                throw SequenceStoreException.of("check the layout record of " + what,
                        new IllegalStateException("unexpected reply " + status));
        }
    }

    /** Whether any key of the prefix's buckets exists (a SCAN over the keyspace, every master on a Cluster). */
    private static boolean prefixHoldsData(ScriptCalls calls, RedisStoreConfig config) {
        io.lettuce.core.ScanArgs args = io.lettuce.core.ScanArgs.Builder.matches(config.keyPrefix() + ":{*").limit(1_000);
        io.lettuce.core.ScanCursor cursor = io.lettuce.core.ScanCursor.INITIAL;
        do {
            io.lettuce.core.ScanCursor from = cursor;
            io.lettuce.core.KeyScanCursor<byte[]> page = calls.await("look for data under prefix " + config.keyPrefix(),
                    null, () -> calls.keyCommands().scan(from, args).toCompletableFuture());
            if (!page.getKeys().isEmpty()) {
                return true;
            }
            cursor = page;
        } while (!cursor.isFinished());
        return false;
    }

    /** The longest near-cache freshness any client of the prefix registered ({@code 0} if none). */
    static Duration registeredNearCacheFreshness(ScriptCalls calls, RedisStoreConfig config) {
        byte[] key = key(config.keyPrefix());
        List<Object> reply = call(calls, key, "read the near-cache freshness",
                "return {redis.call('HGET', KEYS[1], 'near-cache-freshness-ms') or '0'}");
        return Duration.ofMillis(Long.parseLong(text(reply.get(0))));
    }

    private static List<Object> call(ScriptCalls calls, byte[] key, String what, String script, String... args) {
        byte[][] argBytes = new byte[args.length][];
        for (int i = 0; i < args.length; i++) {
            argBytes[i] = args[i].getBytes(StandardCharsets.UTF_8);
        }
        return calls.await(what + " (layout record " + new String(key, StandardCharsets.UTF_8) + ")", null,
                () -> calls.eval(key, script, argBytes));
    }

    private static int parseInt(Object value, String what) {
        try {
            return Integer.parseInt(text(value));
        } catch (NumberFormatException e) {
            throw SequenceStoreException.of("check the layout record of " + what,
                    new IllegalStateException("the recorded bucket count '" + text(value) + "' is not a number"));
        }
    }

    private static String text(Object value) {
        return value instanceof byte[] b ? new String(b, StandardCharsets.UTF_8) : String.valueOf(value);
    }
}
