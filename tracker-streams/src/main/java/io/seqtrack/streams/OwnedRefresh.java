package io.seqtrack.streams;

import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.sync.RedisScriptingCommands;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The owner-checked refresh of a runner's in-flight entries (lua/refresh_owned.lua): per id, one atomic step checks
 * with {@code XPENDING} that the entry is still pending and owned by this consumer, and only then resets its idle time
 * with {@code XCLAIM … 0 … JUSTID}. A plain {@code XCLAIM} with min-idle 0 would take back an entry a peer took over
 * while this consumer was stalled past {@code claimIdle}.
 *
 * <p>Run as tracker-redis runs its scripts: {@code EVALSHA}, and {@code EVAL} (which caches the script again) when the
 * server answers {@code NOSCRIPT} — a restart, a failover, {@code SCRIPT FLUSH}. One key, the stream, so on a Cluster
 * Lettuce routes it to the master of the stream's slot like every other command of the runner.
 */
final class OwnedRefresh {

    static final String BODY = resource("lua/refresh_owned.lua");
    static final String SHA = sha1(BODY);

    /**
     * What one call found: how many ids were refreshed (still this consumer's), the ids a peer owns now (id → owner,
     * in the order asked), and the ids no longer pending.
     */
    record Result(long refreshed, Map<String, String> takenOver, List<String> notPending) {
    }

    private OwnedRefresh() {
    }

    /** One call for {@code ids} (callers chunk them). */
    static Result run(RedisScriptingCommands<String, String> redis, String stream, String group, String consumer,
            String[] ids) {
        String[] args = new String[2 + ids.length];
        args[0] = group;
        args[1] = consumer;
        System.arraycopy(ids, 0, args, 2, ids.length);
        String[] keys = {stream};
        List<Object> reply;
        try {
            reply = redis.evalsha(SHA, ScriptOutputType.MULTI, keys, args);
        } catch (RedisNoScriptException e) {
            reply = redis.eval(BODY, ScriptOutputType.MULTI, keys, args);
        }
        return parse(reply);
    }

    private static Result parse(List<Object> reply) {
        long refreshed = ((Number) reply.get(0)).longValue();
        Map<String, String> takenOver = new LinkedHashMap<>();
        List<?> taken = (List<?>) reply.get(1);
        for (int i = 0; i + 1 < taken.size(); i += 2) {
            takenOver.put(String.valueOf(taken.get(i)), String.valueOf(taken.get(i + 1)));
        }
        List<String> notPending = new ArrayList<>();
        for (Object id : (List<?>) reply.get(2)) {
            notPending.add(String.valueOf(id));
        }
        return new Result(refreshed, takenOver, notPending);
    }

    private static String resource(String path) {
        try (InputStream in = OwnedRefresh.class.getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalStateException("missing script resource " + path);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read script resource " + path, e);
        }
    }

    private static String sha1(String body) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1")
                    .digest(body.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK lacks SHA-1", e);
        }
    }
}
