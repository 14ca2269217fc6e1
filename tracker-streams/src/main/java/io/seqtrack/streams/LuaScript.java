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

    /**
     * Runs the script with the one key {@code stream} and {@code args} (sent as UTF-8); the reply as Lettuce's
     * {@link ScriptOutputType#MULTI} through the runner's codec ({@link StreamsCodec}): strings as {@code byte[]}
     * ({@link #text} for ids and names), so entry values in a reply are the bytes stored.
     */
    List<Object> run(RedisScriptingCommands<String, byte[]> redis, String stream, String[] args) {
        String[] keys = {stream};
        byte[][] values = new byte[args.length][];
        for (int i = 0; i < args.length; i++) {
            values[i] = args[i].getBytes(StandardCharsets.UTF_8);
        }
        try {
            return redis.evalsha(sha, ScriptOutputType.MULTI, keys, values);
        } catch (RedisNoScriptException e) {
            return redis.eval(body, ScriptOutputType.MULTI, keys, values);
        }
    }

    /** A string of a reply (an id, a consumer name: UTF-8) as text. */
    static String text(Object reply) {
        return reply instanceof byte[] bytes ? new String(bytes, StandardCharsets.UTF_8) : String.valueOf(reply);
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
