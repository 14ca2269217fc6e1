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
import java.util.HexFormat;
import java.util.List;

/**
 * One of the runner's Lua scripts (a resource next to this class), run as tracker-redis runs its scripts:
 * {@code EVALSHA}, and {@code EVAL} (which caches the script again) when the server answers {@code NOSCRIPT} — a
 * restart, a failover, {@code SCRIPT FLUSH}. The runner's scripts have one key, the stream, so on a Cluster Lettuce
 * routes them to the master of the stream's slot like every other command of the runner.
 */
record LuaScript(String body, String sha) {

    static LuaScript load(String path) {
        String body = resource(path);
        return new LuaScript(body, sha1(body));
    }

    /** Runs the script with the one key {@code stream}; the reply as Lettuce's {@link ScriptOutputType#MULTI}. */
    List<Object> run(RedisScriptingCommands<String, String> redis, String stream, String[] args) {
        String[] keys = {stream};
        try {
            return redis.evalsha(sha, ScriptOutputType.MULTI, keys, args);
        } catch (RedisNoScriptException e) {
            return redis.eval(body, ScriptOutputType.MULTI, keys, args);
        }
    }

    private static String resource(String path) {
        try (InputStream in = LuaScript.class.getResourceAsStream(path)) {
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
