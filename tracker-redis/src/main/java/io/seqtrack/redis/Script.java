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
    COMMIT_CLAIM_BATCH("commit_claim_batch"), CLAIM_PROBE_BATCH("claim_probe_batch"),
    BUFFER_ADD("buffer_add"), BUFFER_REMOVE("buffer_remove"), BUFFER_PARK("buffer_park"),
    BUFFER_PRESENCE("buffer_presence");

    final String body;
    final byte[] bodyBytes;
    final String sha;
    /** Whether the script may write: under WAIT it then goes through the connection its WAIT runs on. */
    final boolean writes;
    /**
     * A batch script: its elements' keys and arguments follow each other, and it answers per element. Its
     * {@linkplain #nodeBody node-wide form} runs the elements of several slots served by one Cluster node in one call.
     */
    final boolean batch;
    /**
     * The node-wide form of a batch script ({@code null} otherwise): Redis 7's {@code allow-cross-slot-keys} flag, no
     * declared keys (they would have to share one slot), the keys in ARGV, and an element whose slot the node does not
     * serve answered {@code X} without effect (node_prelude.lua).
     */
    final byte[] nodeBodyBytes;
    final String nodeSha;

    Script(String name) {
        this.writes = !name.equals("read") && !name.equals("buffer_presence");
        this.batch = name.endsWith("_batch") && !name.startsWith("buffer");
        this.body = resource("common") + "\n" + (batch ? resource("slot_prelude") + "\n" : "") + resource(name);
        this.bodyBytes = body.getBytes(StandardCharsets.UTF_8);
        this.sha = sha1(bodyBytes);
        if (batch) {
            String node = "#!lua flags=allow-cross-slot-keys\n" + resource("common") + "\n" + resource("node_prelude")
                    + "\n" + resource(name);
            this.nodeBodyBytes = node.getBytes(StandardCharsets.UTF_8);
            this.nodeSha = sha1(nodeBodyBytes);
        } else {
            this.nodeBodyBytes = null;
            this.nodeSha = null;
        }
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
