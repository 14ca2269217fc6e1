package io.seqtrack.redis;

import static io.seqtrack.core.domain.TrackingMode.STRICT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SslOptions;
import io.seqtrack.core.domain.AggregateKey;
import io.seqtrack.core.domain.SequenceStoreException;
import io.seqtrack.core.domain.Verdict;
import io.seqtrack.core.port.out.ClaimResult;
import io.seqtrack.core.port.out.CommitResult;
import io.seqtrack.redis.testsupport.RedisProcess;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Least-privilege ACL, credentials and TLS against a real redis-server. */
@Timeout(120)
class RedisSecurityTest {

    /** The ACL documented in docs/operations.md: the key prefix, and only what the scripts and the client need. */
    static final List<String> SEQTRACK_ACL = List.of("ACL", "SETUSER", "seqtrack", "reset", "on", ">s3cret-pass",
            "~seqtrack:{*", "~seqtrack:layout", "&seqtrack:commits", "+evalsha", "+eval", "+hget", "+hmget", "+hset",
            "+hdel", "+rpush", "+lpos", "+lrange", "+del", "+time", "+publish", "+subscribe", "+ping", "+hello", "+auth",
            "+client|setname", "+wait");

    private final AggregateKey key = AggregateKey.of("user_account", "u-1");

    @Test
    void leastPrivilegeAclUserWorksOnItsPrefixOnly() {
        try (RedisProcess redis = RedisProcess.start()) {
            assertThat(redis.cli(SEQTRACK_ACL.toArray(String[]::new))).isEqualTo("OK");
            String uri = "redis://seqtrack:s3cret-pass@127.0.0.1:" + redis.port();
            try (RedisSequenceStore store = RedisSequenceStore.create(RedisStoreConfig.of(uri))) {
                assertThat(store.advance(key, 1, STRICT).verdict()).isEqualTo(Verdict.IN_ORDER);
                ClaimResult claim = store.claim(key, 2, STRICT, "w1", Duration.ofSeconds(30));
                assertThat(store.commit(key, 2, claim.fencingToken())).isEqualTo(CommitResult.COMMITTED);
                assertThat(store.read(key).lastCommitted()).isEqualTo(2);
                store.reset(key, 0);
                ClaimResult next = store.claim(key, 1, STRICT, "w1", Duration.ofSeconds(30));
                assertThat(store.renew(key, 1, next.fencingToken(), Duration.ofSeconds(30)))
                        .isEqualTo(io.seqtrack.core.port.out.RenewResult.RENEWED);
                store.release(key, 1, next.fencingToken());
                assertThat(store.skip(key, 0, 2, new io.seqtrack.core.port.out.SkippedRange(1, 2,
                        java.time.Instant.EPOCH, "acl")).skipped()).isTrue();
                assertThat(store.skippedRanges(key)).hasSize(1);
                assertThat(store.delete(key)).isTrue();
            }
            // another tenant is refused already on connect, when it checks its layout record
            assertThatThrownBy(() -> RedisSequenceStore.create(
                    RedisStoreConfig.builder().uri(uri).keyPrefix("othertenant").build()))
                    .isInstanceOf(SequenceStoreException.class)
                    .satisfies(e -> assertThat(fullText(e)).contains("NOPERM"));
            // a prefix that merely starts with ours is another tenant too ("~seqtrack:*" would have let it in)
            assertThatThrownBy(() -> RedisSequenceStore.create(
                    RedisStoreConfig.builder().uri(uri).keyPrefix("seqtrack:tenant2").build()))
                    .isInstanceOf(SequenceStoreException.class)
                    .satisfies(e -> assertThat(fullText(e)).contains("NOPERM"));
        }
    }

    @Test
    void wrongPasswordFailsClearlyWithoutLeakingIt() {
        try (RedisProcess redis = RedisProcess.start()) {
            redis.cli(SEQTRACK_ACL.toArray(String[]::new));
            String uri = "redis://seqtrack:wrong-password-123@127.0.0.1:" + redis.port();
            assertThatThrownBy(() -> RedisSequenceStore.create(RedisStoreConfig.of(uri)))
                    .isInstanceOf(SequenceStoreException.class)
                    .hasMessageContaining("127.0.0.1:" + redis.port())
                    .satisfies(e -> assertThat(fullText(e)).doesNotContain("wrong-password-123"));
            // Lettuce usually reports WRONGPASS; under load it may report the closed connection instead. The server's
            // ACL log is the deterministic evidence that it was the credentials that were refused.
            assertThat(redis.cli("ACL", "LOG")).contains("auth").contains("seqtrack");
            assertThat(RedisStoreConfig.of(uri).toString()).doesNotContain("wrong-password-123");
        }
    }

    @Test
    void tlsConnectionWithAVerifiedThrowawayCertificate(@TempDir Path dir) {
        Path cert = dir.resolve("cert.pem");
        Path keyFile = dir.resolve("key.pem");
        String openssl = RedisProcess.run(List.of("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                "-keyout", keyFile.toString(), "-out", cert.toString(), "-days", "1", "-subj", "/CN=localhost",
                "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"));
        assertThat(cert).as(openssl).exists();
        int tlsPort = RedisProcess.freePort();
        try (RedisProcess redis = RedisProcess.start("--tls-port", Integer.toString(tlsPort),
                "--tls-cert-file", cert.toString(), "--tls-key-file", keyFile.toString(),
                "--tls-ca-cert-file", cert.toString(), "--tls-auth-clients", "no")) {
            RedisClient client = RedisClient.create();
            client.setOptions(ClientOptions.builder()
                    .sslOptions(SslOptions.builder().jdkSslProvider().trustManager(cert.toFile()).build()).build());
            try {
                RedisStoreConfig config = RedisStoreConfig.of("rediss://127.0.0.1:" + tlsPort);
                assertThat(config.uris().get(0).isSsl()).isTrue();
                try (RedisSequenceStore store = RedisSequenceStore.create(config, client)) {
                    assertThat(store.advance(key, 1, STRICT).verdict()).isEqualTo(Verdict.IN_ORDER);
                    assertThat(store.read(key).lastCommitted()).isEqualTo(1);
                }
                // the same server without trusting its certificate: refused, clearly
                assertThatThrownBy(() -> RedisSequenceStore.create(RedisStoreConfig.of("rediss://127.0.0.1:" + tlsPort)))
                        .isInstanceOf(SequenceStoreException.class);
            } finally {
                client.shutdown();
            }
        }
    }

    private static String fullText(Throwable e) {
        StringBuilder text = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause()) {
            text.append(t).append('\n');
        }
        return text.toString();
    }
}
