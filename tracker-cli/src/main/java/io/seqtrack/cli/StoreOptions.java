package io.seqtrack.cli;

import io.seqtrack.core.port.out.EventBuffer;
import io.seqtrack.core.port.out.SequenceStore;
import io.seqtrack.core.registry.DomainRegistry;
import io.seqtrack.inmemory.InMemoryEventBuffer;
import io.seqtrack.inmemory.InMemorySequenceStore;
import io.seqtrack.processor.config.RegistryLoader;
import io.seqtrack.redis.RedisEventBuffer;
import io.seqtrack.redis.RedisSequenceStore;
import io.seqtrack.redis.RedisStoreConfig;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The store, buffer and registry every command works on: {@code --store}, {@code --domains}, {@code --key-prefix}. */
final class StoreOptions {

    @Option(names = "--store", paramLabel = "memory|URI", defaultValue = "memory",
            description = "memory (default) or a Redis URI: redis://HOST:PORT[/DB], rediss://…, redis-sentinel://…")
    String store;

    @Option(names = "--domains", paramLabel = "FILE",
            description = "domain registry YAML; default: the seed registry (user_account and company strict, chat disabled)")
    Path domains;

    @Option(names = "--key-prefix", paramLabel = "PREFIX", defaultValue = "seqtrack",
            description = "Redis key prefix (default ${DEFAULT-VALUE})")
    String keyPrefix;

    @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "2s",
            description = "Redis command timeout (default ${DEFAULT-VALUE})")
    String timeout;

    /** A store, a buffer and the registry, opened together and closed together. */
    record Opened(SequenceStore store, EventBuffer buffer, DomainRegistry registry, boolean durable)
            implements AutoCloseable {
        @Override
        public void close() {
            store.close();
            buffer.close();
        }
    }

    DomainRegistry registry() {
        return domains == null ? DomainRegistry.seedDefaults() : RegistryLoader.load(domains);
    }

    /**
     * Opens the store. A Redis store that cannot be reached fails here with a {@code SequenceStoreException}
     * (exit code 1), never with a partial run.
     */
    Opened open() {
        DomainRegistry registry = registry();
        if ("memory".equalsIgnoreCase(store)) {
            return new Opened(InMemorySequenceStore.builder().recordStats().build(), InMemoryEventBuffer.create(),
                    registry, false);
        }
        RedisStoreConfig config = RedisStoreConfig.builder().uri(store).keyPrefix(keyPrefix)
                .commandTimeout(DurationParser.parse("--timeout", timeout)).build();
        RedisSequenceStore redisStore = RedisSequenceStore.create(config);
        try {
            return new Opened(redisStore, RedisEventBuffer.create(config), registry, true);
        } catch (RuntimeException e) {
            redisStore.close();
            throw e;
        }
    }
}
