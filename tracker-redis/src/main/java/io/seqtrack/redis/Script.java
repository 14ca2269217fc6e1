package io.seqtrack.redis;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** One Lua script: the shared helpers followed by its body, with the SHA-1 digest EVALSHA addresses it by. */
enum Script {
    ADVANCE("advance"), CLAIM("claim"), COMMIT("commit"), RELEASE("release"), READ("read"), RESET("reset"),
    DELETE("delete"), RENEW("renew"), SKIP("skip"), ADVANCE_BATCH("advance_batch"), CLAIM_BATCH("claim_batch"), COMMIT_BATCH("commit_batch"),
    COMMIT_CLAIM_BATCH("commit_claim_batch"),
    BUFFER_ADD("buffer_add"), BUFFER_REMOVE("buffer_remove"), BUFFER_PARK("buffer_park"),
    BUFFER_PRESENCE("buffer_presence");

    final String body;
    final byte[] bodyBytes;
    final String sha;
    /** Whether the script may write: under WAIT it then goes through the connection its WAIT runs on. */
    final boolean writes;

    Script(String name) {
        this.writes = !name.equals("read") && !name.equals("buffer_presence");
        this.body = resource("common") + "\n" + resource(name);
        this.bodyBytes = body.getBytes(StandardCharsets.UTF_8);
        this.sha = sha1(bodyBytes);
    }

    static String resource(String name) {
        String path = "lua/" + name + ".lua";
        try (InputStream in = Script.class.getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalStateException("missing script resource " + path);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read script resource " + path, e);
        }
    }

    private static String sha1(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK lacks SHA-1", e);
        }
    }
}
