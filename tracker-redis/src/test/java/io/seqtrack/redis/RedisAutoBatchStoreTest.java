package io.seqtrack.redis;

/**
 * The whole adapter contract with auto-batching on: every single call goes out either directly (nothing in flight)
 * or as part of a batch call, and must answer exactly as the single call would.
 */
class RedisAutoBatchStoreTest extends RedisStandaloneStoreTest {

    @Override
    protected RedisStoreConfig.Builder configure(RedisStoreConfig.Builder builder) {
        return builder.autoBatch(64);
    }
}
