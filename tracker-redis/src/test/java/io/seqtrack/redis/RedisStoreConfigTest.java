package io.seqtrack.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.seqtrack.core.domain.InvalidConfigurationException;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Settings that cannot work together are refused when the configuration is built, naming the field. */
class RedisStoreConfigTest {

    @Test
    void aNearCacheUnderWaitIsRefused_aDuplicateFromItWouldNotBeConfirmedByTheReplicas() {
        RedisStoreConfig.Builder builder = RedisStoreConfig.builder().uri("redis://127.0.0.1:6379")
                .nearCache(1000, Duration.ofSeconds(1)).waitForReplicas(1, Duration.ofSeconds(1));
        assertThatThrownBy(builder::build).isInstanceOf(InvalidConfigurationException.class)
                .hasMessageContaining("redis.nearCache").hasMessageContaining("waitForReplicas");
    }

    /**
     * Review finding: {@link RedisStoreConfig#targets()} is what {@code RedisEventBuffer#sharesKeysWith} compares to
     * decide that the store may read the buffer's keys in its own claim script. Two Unix-socket servers render the same
     * ({@code redis://null:6379/0}: the socket path is left out), so a store on one socket and a buffer on another would
     * be taken for one deployment: the store probes its own server, never sees the buffer's parks, and the processor
     * handles events of parked aggregates.
     */
    @Test
    void regressionReview3_twoUnixSocketServersAreDifferentTargets() {
        String a = RedisStoreConfig.builder().uri("redis-socket:///tmp/seqtrack-a.sock").build().targets();
        String b = RedisStoreConfig.builder().uri("redis-socket:///tmp/seqtrack-b.sock").build().targets();
        assertThat(a).isNotEqualTo(b);
    }

    @Test
    void eachAloneIsFine() {
        assertThat(RedisStoreConfig.builder().uri("redis://127.0.0.1:6379").nearCache(1000, Duration.ofSeconds(1))
                .build().nearCacheSize()).isEqualTo(1000);
        assertThat(RedisStoreConfig.builder().uri("redis://127.0.0.1:6379").waitForReplicas(1, Duration.ofSeconds(1))
                .build().waitReplicas()).isEqualTo(1);
    }

    @Test
    void autoBatchIsCarriedByToBuilder() {
        RedisStoreConfig config = RedisStoreConfig.builder().uri("redis://127.0.0.1:6379").autoBatch(32).build();
        assertThat(config.toBuilder().build().autoBatch()).isEqualTo(32);
    }
}
