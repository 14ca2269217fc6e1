package io.seqtrack.streams;

import io.lettuce.core.api.sync.RedisScriptingCommands;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The owner-checked refresh of a runner's in-flight entries (lua/refresh_owned.lua): per id, one atomic step checks
 * with {@code XPENDING} that the entry is still pending and owned by this consumer, and only then resets its idle time
 * with {@code XCLAIM … 0 … JUSTID}. A plain {@code XCLAIM} with min-idle 0 would take back an entry a peer took over
 * while this consumer was stalled past {@code claimIdle}.
 *
 * <p>Run through {@link LuaScript} ({@code EVALSHA}, {@code EVAL} on {@code NOSCRIPT}); one key, the stream.
 */
final class OwnedRefresh {

    static final LuaScript SCRIPT = LuaScript.load("lua/refresh_owned.lua");
    static final String BODY = SCRIPT.body();
    static final String SHA = SCRIPT.sha();

    /**
     * What one call found: how many ids were refreshed (still this consumer's), the ids a peer owns now (id → owner,
     * in the order asked), and the ids no longer pending.
     */
    record Result(long refreshed, Map<String, String> takenOver, List<String> notPending) {
    }

    private OwnedRefresh() {
    }

    /** One call for {@code ids} (callers chunk them). */
    static Result run(RedisScriptingCommands<String, byte[]> redis, String stream, String group, String consumer,
            String[] ids) {
        String[] args = new String[2 + ids.length];
        args[0] = group;
        args[1] = consumer;
        System.arraycopy(ids, 0, args, 2, ids.length);
        return parse(SCRIPT.run(redis, stream, args));
    }

    private static Result parse(List<Object> reply) {
        long refreshed = ((Number) reply.get(0)).longValue();
        Map<String, String> takenOver = new LinkedHashMap<>();
        List<?> taken = (List<?>) reply.get(1);
        for (int i = 0; i + 1 < taken.size(); i += 2) {
            takenOver.put(LuaScript.text(taken.get(i)), LuaScript.text(taken.get(i + 1)));
        }
        List<String> notPending = new ArrayList<>();
        for (Object id : (List<?>) reply.get(2)) {
            notPending.add(LuaScript.text(id));
        }
        return new Result(refreshed, takenOver, notPending);
    }
}
