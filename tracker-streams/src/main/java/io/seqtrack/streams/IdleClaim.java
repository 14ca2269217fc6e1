package io.seqtrack.streams;

import io.lettuce.core.StreamMessage;
import io.lettuce.core.api.sync.RedisScriptingCommands;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The claim of a takeover round (lua/claim_idle.lua): of the ids the round's {@code XPENDING … IDLE} scan found idle,
 * one atomic step claims those still pending and idle past {@code claimIdle}, reports those the stream no longer holds
 * (trimmed or deleted while pending: a gap; dropped from the pending list) and leaves out the rest — entries a peer
 * took over, refreshed or acknowledged since the scan, which are not this consumer's this round and no gap. A plain
 * {@code XCLAIM} omits both kinds from its reply alike, so every id it left out used to be reported as trimmed (review
 * finding: two consumers racing for a dead one's entries raised false gap alarms).
 *
 * <p>Run through {@link LuaScript} ({@code EVALSHA}, {@code EVAL} on {@code NOSCRIPT}); one key, the stream.
 */
final class IdleClaim {

    static final LuaScript SCRIPT = LuaScript.load("lua/claim_idle.lua");

    /** An entry claimed from {@code from}, which the group had delivered {@code deliveries} times before this claim. */
    record Claimed(StreamMessage<String, byte[]> entry, String from, long deliveries) {
    }

    /** A pending entry the stream no longer held, of consumer {@code owner} after {@code deliveries} deliveries. */
    record Trimmed(String id, String owner, long deliveries) {
    }

    /** What one call did: the entries claimed and the ones found trimmed, each in the order asked. */
    record Result(List<Claimed> claimed, List<Trimmed> trimmed) {
    }

    private IdleClaim() {
    }

    /** One call for {@code ids}, claimed for {@code consumer} if idle at least {@code minIdleMillis}. */
    static Result run(RedisScriptingCommands<String, byte[]> redis, String stream, String group, String consumer,
            long minIdleMillis, List<String> ids) {
        String[] args = new String[3 + ids.size()];
        args[0] = group;
        args[1] = consumer;
        args[2] = Long.toString(minIdleMillis);
        for (int i = 0; i < ids.size(); i++) {
            args[3 + i] = ids.get(i);
        }
        return parse(stream, SCRIPT.run(redis, stream, args));
    }

    private static Result parse(String stream, List<Object> reply) {
        // the entries as XCLAIM read them, through the runner's codec: values the bytes stored, field names decoded
        // as the codec decodes a StreamMessage's (losslessly, see StreamsCodec)
        Map<String, Map<String, byte[]>> bodies = new HashMap<>();
        for (Object claimed : (List<?>) reply.get(0)) {
            List<?> entry = (List<?>) claimed;
            List<?> fields = (List<?>) entry.get(1);
            Map<String, byte[]> body = new LinkedHashMap<>();
            for (int i = 0; i + 1 < fields.size(); i += 2) {
                body.put(StreamsCodec.INSTANCE.decodeKey(ByteBuffer.wrap((byte[]) fields.get(i))),
                        (byte[]) fields.get(i + 1));
            }
            bodies.put(LuaScript.text(entry.get(0)), body);
        }
        List<Claimed> claimed = new ArrayList<>();
        List<?> from = (List<?>) reply.get(1);
        for (int i = 0; i + 2 < from.size(); i += 3) {
            String id = LuaScript.text(from.get(i));
            Map<String, byte[]> body = bodies.get(id);
            if (body != null) { // checked idle and present in the same step: always claimed
                claimed.add(new Claimed(new StreamMessage<>(stream, id, body), LuaScript.text(from.get(i + 1)),
                        ((Number) from.get(i + 2)).longValue()));
            }
        }
        List<Trimmed> trimmed = new ArrayList<>();
        List<?> gone = (List<?>) reply.get(2);
        for (int i = 0; i + 2 < gone.size(); i += 3) {
            trimmed.add(new Trimmed(LuaScript.text(gone.get(i)), LuaScript.text(gone.get(i + 1)),
                    ((Number) gone.get(i + 2)).longValue()));
        }
        return new Result(claimed, trimmed);
    }
}
