package io.seqtrack.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.seqtrack.core.domain.SequenceStoreException;
import io.seqtrack.redis.testsupport.RedisProcess;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 15, #6: a wrong password, no password, a bad database index and an unreachable port each say what happened —
 * in Redis' or the network's own words, with the URI and without its secret — and are not reported as an "unknown
 * outcome": nothing was read or written.
 */
class RedisConnectErrorsTest {

    private static RedisProcess redis;

    @BeforeAll
    static void start() {
        redis = RedisProcess.start();
        assertThat(redis.cli("CONFIG", "SET", "requirepass", "s3cret-pass")).isEqualTo("OK");
    }

    @AfterAll
    static void stop() {
        redis.close();
    }

    private static SequenceStoreException connect(String uri) {
        SequenceStoreException e = catchThrowableOfType(() -> RedisSequenceStore.create(RedisStoreConfig.builder()
                .uri(uri).commandTimeout(Duration.ofSeconds(2)).build()).close(), SequenceStoreException.class);
        assertThat(e).as("connecting to %s fails", uri).isNotNull();
        assertThat(e.getMessage()).startsWith("cannot connect store to redis://127.0.0.1:")
                .contains("nothing was read or written").doesNotContain("outcome unknown")
                .doesNotContain("s3cret-pass").doesNotContain("wrong-pass");
        return e;
    }

    @Test
    void aWrongPasswordSaysWrongpass() {
        assertThat(connect("redis://:wrong-pass@127.0.0.1:" + redis.port()).getMessage())
                .contains("/0: Redis answered: WRONGPASS");
    }

    @Test
    void noPasswordSaysNoauth() {
        assertThat(connect("redis://127.0.0.1:" + redis.port()).getMessage()).contains("Redis answered: NOAUTH");
    }

    @Test
    void aBadDatabaseIndexSaysSo() {
        assertThat(connect("redis://:s3cret-pass@127.0.0.1:" + redis.port() + "/99").getMessage())
                .contains("/99: Redis answered: ERR DB index is out of range");
    }

    @Test
    void anUnreachablePortSaysConnectionRefused() {
        int closed = RedisProcess.freePort();
        assertThat(connect("redis://127.0.0.1:" + closed).getMessage())
                .contains("127.0.0.1:" + closed + "/0: connection refused");
    }

    @Test
    void theRightPasswordConnects() {
        try (RedisSequenceStore store = RedisSequenceStore.create(
                RedisStoreConfig.of("redis://:s3cret-pass@127.0.0.1:" + redis.port() + "/3"))) {
            assertThat(store.read(io.seqtrack.core.domain.AggregateKey.of("user_account", "u-1")).lastCommitted())
                    .isZero();
        }
    }
}
