package io.seqtrack.redis;

import io.lettuce.core.RedisURI;
import io.seqtrack.core.domain.InvalidConfigurationException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Immutable, validated settings of a {@link RedisSequenceStore}. Build with {@link #builder()}; every rejected value
 * raises {@link InvalidConfigurationException} naming the field ({@code redis.uri}, {@code redis.keyPrefix}, …).
 *
 * <p>Topology follows the URIs: one {@code redis://} or {@code rediss://} URI is a standalone server; a
 * {@code redis-sentinel://} URI is a Sentinel-monitored master; several URIs, or {@link Builder#cluster(boolean)},
 * are the seed nodes of a Cluster. TLS ({@code rediss://}) and ACL credentials ({@code redis://user:password@host})
 * come from the URI.
 */
public final class RedisStoreConfig {

    /** How the store reaches Redis. */
    public enum Topology { STANDALONE, SENTINEL, CLUSTER }

    private static final Pattern PREFIX = Pattern.compile("[A-Za-z0-9_.\\-:]{1,64}");

    private final List<RedisURI> uris;
    private final Topology topology;
    private final String keyPrefix;
    private final Duration commandTimeout;
    private final int buckets;
    private final int waitReplicas;
    private final Duration waitTimeout;
    private final int nearCacheSize;
    private final Duration nearCacheFreshness;
    private final int autoBatch;
    private final boolean adoptRecordedLayout;

    private RedisStoreConfig(Builder b) {
        this.uris = List.copyOf(b.uris);
        this.topology = b.cluster || uris.size() > 1 ? Topology.CLUSTER
                : uris.get(0).getSentinels().isEmpty() ? Topology.STANDALONE : Topology.SENTINEL;
        this.keyPrefix = b.keyPrefix;
        this.commandTimeout = b.commandTimeout;
        this.buckets = b.buckets;
        this.waitReplicas = b.waitReplicas;
        this.waitTimeout = b.waitTimeout;
        this.nearCacheSize = b.nearCacheSize;
        this.nearCacheFreshness = b.nearCacheFreshness;
        this.autoBatch = b.autoBatch;
        this.adoptRecordedLayout = b.adoptRecordedLayout;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Shorthand for a standalone or Sentinel store at {@code uri} with defaults. */
    public static RedisStoreConfig of(String uri) {
        return builder().uri(uri).build();
    }

    public Builder toBuilder() {
        Builder b = new Builder().keyPrefix(keyPrefix).commandTimeout(commandTimeout).buckets(buckets)
                .waitForReplicas(waitReplicas, waitTimeout).cluster(topology == Topology.CLUSTER);
        if (nearCacheSize > 0) {
            b.nearCache(nearCacheSize, nearCacheFreshness);
        }
        b.adoptRecordedLayout = adoptRecordedLayout;
        b.autoBatch = autoBatch;
        b.uris.addAll(uris);
        return b;
    }

    public List<RedisURI> uris() {
        return uris;
    }

    public Topology topology() {
        return topology;
    }

    /** Prefix of every key the store writes; default {@code seqtrack}. Separate tenants by prefix. */
    public String keyPrefix() {
        return keyPrefix;
    }

    /** How long one command may take before its outcome is reported unknown; default 2 s. */
    public Duration commandTimeout() {
        return commandTimeout;
    }

    /** Buckets per domain that aggregates are spread over; default 65 536. Fixed for the lifetime of the data. */
    public int buckets() {
        return buckets;
    }

    /** Replicas that must acknowledge a write before it is reported done; default 0 (asynchronous replication). */
    public int waitReplicas() {
        return waitReplicas;
    }

    public Duration waitTimeout() {
        return waitTimeout;
    }

    /** Aggregates kept in the duplicate fast path; 0 (the default) turns it off. */
    /**
     * Up to how many concurrent single calls one batch call carries, or {@code 0} (the default) when single calls go
     * out one by one. See {@link Builder#autoBatch(int)}.
     */
    public int autoBatch() {
        return autoBatch;
    }

    public int nearCacheSize() {
        return nearCacheSize;
    }

    /** How long a cached lower bound is trusted, and how long reset/delete wait before returning. */
    public Duration nearCacheFreshness() {
        return nearCacheFreshness;
    }

    /** Whether the bucket count is taken from the layout record in Redis instead of {@link #buckets()}. */
    public boolean adoptRecordedLayout() {
        return adoptRecordedLayout;
    }

    /**
     * Where this configuration connects, as URIs without credentials: {@code redis://127.0.0.1:6379/3},
     * {@code rediss://…}, {@code redis-sentinel://h1:26379,h2:26379/0#mymaster}, or the cluster seeds.
     */
    public String targets() {
        List<String> safe = new ArrayList<>();
        for (RedisURI uri : uris) {
            if (!uri.getSentinels().isEmpty()) {
                List<String> sentinels = new ArrayList<>();
                for (RedisURI s : uri.getSentinels()) {
                    sentinels.add(s.getHost() + ":" + s.getPort());
                }
                safe.add((uri.isSsl() ? "rediss-sentinel://" : "redis-sentinel://") + String.join(",", sentinels)
                        + "/" + uri.getDatabase() + "#" + uri.getSentinelMasterId());
            } else if (uri.getSocket() != null) {
                safe.add("redis-socket://" + uri.getSocket() + "/" + uri.getDatabase());
            } else {
                safe.add((uri.isSsl() ? "rediss://" : "redis://") + uri.getHost() + ":" + uri.getPort()
                        + (topology == Topology.CLUSTER ? "" : "/" + uri.getDatabase()));
            }
        }
        return topology == Topology.CLUSTER ? "cluster " + safe : String.join(", ", safe);
    }

    @Override
    public String toString() {
        // never print credentials
        List<String> safe = new ArrayList<>();
        for (RedisURI uri : uris) {
            safe.add((uri.isSsl() ? "rediss://" : "redis://") + (uri.getHost() == null ? "sentinel" : uri.getHost())
                    + ":" + uri.getPort());
        }
        return "RedisStoreConfig[" + topology + " " + safe + ", prefix=" + keyPrefix + ", timeout=" + commandTimeout
                + ", buckets=" + buckets + ", waitReplicas=" + waitReplicas + ", nearCache=" + nearCacheSize + ", autoBatch=" + autoBatch + "]";
    }

    /** Validates each value as it is set; {@link #build()} copies. */
    public static final class Builder {
        private final List<RedisURI> uris = new ArrayList<>();
        private boolean cluster;
        private String keyPrefix = "seqtrack";
        private Duration commandTimeout = Duration.ofSeconds(2);
        private int buckets = 65_536;
        private int waitReplicas;
        private Duration waitTimeout = Duration.ofSeconds(1);
        private int nearCacheSize;
        private Duration nearCacheFreshness = Duration.ofSeconds(1);
        private int autoBatch;
        private boolean adoptRecordedLayout;

        private Builder() {
        }

        /** Adds a URI: {@code redis://}, {@code rediss://}, {@code redis-sentinel://}; a Cluster takes several. */
        public Builder uri(String uri) {
            if (uri == null || uri.isBlank()) {
                throw InvalidConfigurationException.of("redis.uri", "must not be blank");
            }
            try {
                uris.add(RedisURI.create(uri));
            } catch (IllegalArgumentException e) {
                throw InvalidConfigurationException.of("redis.uri", "is not a Redis URI (" + e.getMessage() + ")");
            }
            return this;
        }

        /** Adds an already parsed URI. */
        public Builder uri(RedisURI uri) {
            uris.add(Objects.requireNonNull(uri, "uri"));
            return this;
        }

        /** Treat the URIs as Cluster seed nodes even if there is only one. */
        public Builder cluster(boolean cluster) {
            this.cluster = cluster;
            return this;
        }

        public Builder keyPrefix(String keyPrefix) {
            if (keyPrefix == null || !PREFIX.matcher(keyPrefix).matches()) {
                throw InvalidConfigurationException.of("redis.keyPrefix",
                        "must be 1-64 characters of [A-Za-z0-9_.:-] (no braces: they would change Cluster slots), was '"
                                + keyPrefix + "'");
            }
            this.keyPrefix = keyPrefix;
            return this;
        }

        public Builder commandTimeout(Duration commandTimeout) {
            if (commandTimeout == null || commandTimeout.toMillis() < 1) {
                throw InvalidConfigurationException.of("redis.commandTimeout", "must be at least 1 ms, was " + commandTimeout);
            }
            this.commandTimeout = commandTimeout;
            return this;
        }

        public Builder buckets(int buckets) {
            if (buckets < 1 || buckets > 1 << 24) {
                throw InvalidConfigurationException.of("redis.buckets", "must be within [1, 16777216], was " + buckets);
            }
            this.buckets = buckets;
            return this;
        }

        /**
         * Makes every write wait until {@code replicas} replicas acknowledged it (Redis {@code WAIT}), so that a
         * failover cannot roll back a write that was reported done. A write not acknowledged in time raises
         * {@link io.seqtrack.core.domain.SequenceStoreException} (outcome unknown; retry).
         */
        public Builder waitForReplicas(int replicas, Duration timeout) {
            if (replicas < 0) {
                throw InvalidConfigurationException.of("redis.waitReplicas", "must be >= 0, was " + replicas);
            }
            if (timeout == null || timeout.toMillis() < 1) {
                throw InvalidConfigurationException.of("redis.waitTimeout", "must be at least 1 ms, was " + timeout);
            }
            this.waitReplicas = replicas;
            this.waitTimeout = timeout;
            return this;
        }

        /**
         * Turns on the duplicate fast path: up to {@code maximumSize} aggregates' last committed sequence cached in this
         * process, so an event at or below it is answered {@code DUPLICATE} with no round trip. Each cached value is
         * trusted for {@code freshness}. The freshness is registered in the layout record in Redis, and every client's
         * {@code reset} and {@code delete} — with a near cache or without — wait for the longest registered freshness
         * before returning, so that no process still holds a pre-reset value afterwards. Off by default.
         */
        /**
         * Coalesces concurrent single calls — {@code advance}, {@code claim} and {@code commit}, sync or async — into
         * batch calls of up to {@code maxBatch} elements: a call joins a queue, and one flusher thread sends
         * everything queued as one batch (one write, one flush, one {@code WAIT}), completing each call with its own
         * answer. A batch is as large as the load made it while the previous one was in flight; a lone call goes out
         * at once — there is no timer. Calls keep the order they were issued in. {@code 0} turns it off (default).
         */
        public Builder autoBatch(int maxBatch) {
            if (maxBatch < 0 || maxBatch > 4096) {
                throw InvalidConfigurationException.of("redis.autoBatch", "must be within [0, 4096], was " + maxBatch);
            }
            this.autoBatch = maxBatch;
            return this;
        }

        public Builder nearCache(int maximumSize, Duration freshness) {
            if (maximumSize < 1) {
                throw InvalidConfigurationException.of("redis.nearCache.maximumSize", "must be >= 1, was " + maximumSize);
            }
            if (freshness == null || freshness.toMillis() < 1 || freshness.compareTo(Duration.ofMinutes(1)) > 0) {
                throw InvalidConfigurationException.of("redis.nearCache.freshness",
                        "must be within [1 ms, 1 min] (reset and delete wait that long), was " + freshness);
            }
            this.nearCacheSize = maximumSize;
            this.nearCacheFreshness = freshness;
            return this;
        }

        /**
         * Takes the bucket count from the layout record {@code <prefix>:layout} that the first client of the prefix
         * wrote, instead of {@link #buckets(int)}. For tools that work on data someone else configured, like the CLI.
         * If nothing is recorded, {@link #buckets(int)} is recorded and used — but only on a prefix that holds no data
         * yet; a prefix with data and no record is refused (its bucket count is unknown). Without this option, a client
         * whose bucket count differs from the recorded one refuses to start.
         */
        public Builder adoptRecordedLayout() {
            this.adoptRecordedLayout = true;
            return this;
        }

        /** Records {@link #buckets(int)} instead of adopting (what an adopting client does on an empty prefix). */
        Builder recordLayout() {
            this.adoptRecordedLayout = false;
            return this;
        }

        public RedisStoreConfig build() {
            if (uris.isEmpty()) {
                throw InvalidConfigurationException.of("redis.uri", "is required (at least one)");
            }
            boolean sentinel = uris.stream().anyMatch(u -> !u.getSentinels().isEmpty());
            if (sentinel && (uris.size() > 1 || cluster)) {
                throw InvalidConfigurationException.of("redis.uri",
                        "a redis-sentinel:// URI names its sentinels itself and cannot be combined with cluster seeds");
            }
            if (nearCacheSize > 0 && waitReplicas > 0) {
                // a cached last committed answers duplicates without Redis, so no WAIT confirms it: a failover can
                // discard the commit it rests on, and an event acknowledged as a duplicate from it would be lost
                throw InvalidConfigurationException.of("redis.nearCache",
                        "cannot be combined with waitForReplicas: a duplicate answered from the cache is not confirmed"
                                + " by the replicas; turn one of them off");
            }
            return new RedisStoreConfig(this);
        }
    }
}
