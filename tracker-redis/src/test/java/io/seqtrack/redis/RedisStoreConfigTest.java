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
