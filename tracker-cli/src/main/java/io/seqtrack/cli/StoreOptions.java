package io.seqtrack.cli;

import io.seqtrack.core.domain.InvalidConfigurationException;
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
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/** The store, buffer and registry every command works on: {@code --store}, {@code --domains}, {@code --key-prefix}. */
final class StoreOptions {

    @Option(names = "--store", paramLabel = "memory|URI",
            description = "a Redis URI: redis://HOST:PORT[/DB], rediss://…, redis-sentinel://…; replay and simulate "
                    + "also take memory, their default; the admin commands (inspect, parked, reset) require a URI")
    String store;

    @Option(names = "--domains", paramLabel = "FILE",
            description = "domain registry YAML; default: the seed registry (user_account and company strict, chat disabled)")
    Path domains;

    /** The prefix of a Redis store's keys unless {@code --key-prefix} says otherwise (simulate has its own). */
    static final String DEFAULT_KEY_PREFIX = "seqtrack";

    @Option(names = "--key-prefix", paramLabel = "PREFIX",
            description = "Redis key prefix (default " + DEFAULT_KEY_PREFIX + "; simulate: a fresh seqtrack-sim-… "
                    + "per run)")
    String keyPrefix;

    @Option(names = "--buckets", paramLabel = "N",
            description = "the bucket count the data under the prefix was written with; default: the count recorded "
                    + "in Redis (<prefix>:layout). Needed only for data written before seqtrack recorded its layout")
    Integer buckets;

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

    /** The store asked for, {@code memory} when none was. */
    String store() {
        return store == null ? "memory" : store;
    }

    /**
     * Opens the store an admin command works on, which must be named: on the in-memory store, which lives only
     * inside one command, an admin command would find nothing and change nothing (issue 15: {@code tracker reset
     * user_account u-3 4} printed "last committed set to 4" and changed nothing anywhere).
     *
     * @throws ParameterException (exit code 2) without {@code --store}, or with {@code --store memory}
     */
    Opened openForAdmin(CommandSpec command) {
        String name = command.qualifiedName(" ").replaceFirst("^tracker ", ""); // the handler prints "tracker: "
        if (store == null) {
            throw new ParameterException(command.commandLine(), name + " needs --store URI, the Redis store to work "
                    + "on (e.g. --store redis://localhost:6379); it does not default to the in-memory store, which "
                    + "holds nothing outside a single command");
        }
        if ("memory".equalsIgnoreCase(store.trim())) {
            throw new ParameterException(command.commandLine(), name + " needs a Redis store: --store memory is "
                    + "empty outside a single command, so there is nothing to inspect or repair there");
        }
        return open();
    }

    DomainRegistry registry() {
        return domains == null ? DomainRegistry.seedDefaults() : RegistryLoader.load(domains);
    }

    /**
     * Opens the store. A Redis store that cannot be reached fails here with a {@code SequenceStoreException}
     * (exit code 1), never with a partial run.
     */
    Opened open() {
        return open(keyPrefix != null ? keyPrefix : DEFAULT_KEY_PREFIX);
    }

    /** Opens the store, a Redis store under {@code prefix}. */
    Opened open(String prefix) {
        DomainRegistry registry = registry();
        if ("memory".equalsIgnoreCase(store())) {
            return new Opened(InMemorySequenceStore.builder().recordStats().build(), InMemoryEventBuffer.create(),
                    registry, false);
        }
        RedisStoreConfig config;
        try {
            RedisStoreConfig.Builder builder = RedisStoreConfig.builder().uri(store).keyPrefix(prefix)
                    .commandTimeout(DurationParser.parse("--timeout", timeout));
            // the CLI works on data an application configured: it takes the bucket count recorded in Redis, unless told
            // (data written before seqtrack recorded layouts has no record, and is refused until --buckets says)
            config = (buckets == null ? builder.adoptRecordedLayout() : builder.buckets(buckets)).build();
        } catch (InvalidConfigurationException | IllegalArgumentException e) {
            throw new TrackerCli.BadUsageException("--store " + store + " / --key-prefix " + prefix + " / --timeout "
                    + timeout + (buckets == null ? "" : " / --buckets " + buckets) + ": " + e.getMessage(), e);
        }
        RedisSequenceStore redisStore;
        try {
            redisStore = RedisSequenceStore.create(config);
        } catch (InvalidConfigurationException e) { // the data's recorded layout disagrees, or none is recorded
            throw new TrackerCli.BadUsageException(e.getMessage(), e);
        }
        try {
            return new Opened(redisStore, RedisEventBuffer.create(config), registry, true);
        } catch (RuntimeException e) {
            redisStore.close();
            throw e;
        }
    }
}
