package io.seqtrack.redis.testsupport;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** A master, one replica and three sentinels on loopback — real processes, started and stopped by the test. */
public final class RedisSentinelProcesses implements AutoCloseable {

    public static final String MASTER_NAME = "mymaster";

    private final List<RedisProcess> servers = new ArrayList<>();
    private final List<RedisProcess> sentinels = new ArrayList<>();

    private RedisSentinelProcesses() {
    }

    public static RedisSentinelProcesses start() {
        RedisSentinelProcesses group = new RedisSentinelProcesses();
        try {
            RedisProcess master = RedisProcess.start();
            group.servers.add(master);
            group.servers.add(RedisProcess.start("--replicaof", "127.0.0.1", Integer.toString(master.port())));
            for (int i = 0; i < 3; i++) {
                group.sentinels.add(RedisProcess.startSentinel(MASTER_NAME, master.port()));
            }
            group.awaitReady(master.port(), Duration.ofSeconds(30));
            return group;
        } catch (RuntimeException e) {
            group.close();
            throw e;
        }
    }

    /** {@code redis-sentinel://127.0.0.1:s1,127.0.0.1:s2,127.0.0.1:s3#mymaster} */
    public String uri() {
        StringBuilder uri = new StringBuilder("redis-sentinel://");
        for (int i = 0; i < sentinels.size(); i++) {
            uri.append(i == 0 ? "" : ",").append("127.0.0.1:").append(sentinels.get(i).port());
        }
        return uri.append("#").append(MASTER_NAME).toString();
    }

    /** The server the sentinels currently name as master. */
    public RedisProcess master() {
        int port = masterPortSeenBySentinels();
        return servers.stream().filter(s -> s.port() == port).findFirst().orElseThrow();
    }

    public int masterPortSeenBySentinels() {
        String[] addr = sentinels.get(0).cli("SENTINEL", "get-master-addr-by-name", MASTER_NAME).split("\\n");
        return Integer.parseInt(addr[addr.length - 1].trim());
    }

    /**
     * Asks a sentinel for a failover ({@code SENTINEL FAILOVER}): the replica is promoted without the master's
     * agreement, and the old master is turned into its replica (its clients are disconnected).
     */
    public void failover() {
        String answer = sentinels.get(0).cli("SENTINEL", "FAILOVER", MASTER_NAME).trim();
        if (!answer.equals("OK")) {
            throw new IllegalStateException("SENTINEL FAILOVER answered " + answer);
        }
    }

    /** Waits until {@code master} has {@code count} replicas whose link to it is up, e.g. after a failover. */
    public void awaitReplicas(RedisProcess master, int count, Duration timeout) {
        Instant deadline = Instant.now().plus(timeout);
        while (Instant.now().isBefore(deadline)) {
            long linked = servers.stream().filter(s -> s != master).filter(s -> {
                List<String> info = s.cli("INFO", "replication").lines().map(String::trim).toList();
                return info.contains("master_port:" + master.port()) && info.contains("master_link_status:up");
            }).count();
            if (linked >= count && master.cli("INFO", "replication").lines().map(String::trim).toList()
                    .contains("connected_slaves:" + count)) {
                return;
            }
            pause();
        }
        throw new IllegalStateException(count + " replica(s) not linked to " + master.port() + " within " + timeout);
    }

    /** Waits until the sentinels name a master other than {@code old} and it accepts writes. */
    public RedisProcess awaitFailover(RedisProcess old, Duration timeout) {
        Instant deadline = Instant.now().plus(timeout);
        while (Instant.now().isBefore(deadline)) {
            int port = masterPortSeenBySentinels();
            if (port != old.port()) {
                RedisProcess promoted = master();
                if (promoted.cli("INFO", "replication").contains("role:master")) {
                    return promoted;
                }
            }
            pause();
        }
        throw new IllegalStateException("no Sentinel failover within " + timeout);
    }

    private void awaitReady(int masterPort, Duration timeout) {
        Instant deadline = Instant.now().plus(timeout);
        while (Instant.now().isBefore(deadline)) {
            boolean replicaUp = servers.get(1).cli("INFO", "replication").contains("master_link_status:up");
            boolean sentinelsAgree = sentinels.stream().allMatch(s -> s.cli("SENTINEL", "get-master-addr-by-name",
                    MASTER_NAME).endsWith(Integer.toString(masterPort)));
            boolean replicaKnown = sentinels.stream().allMatch(s -> s.cli("SENTINEL", "replicas", MASTER_NAME)
                    .contains(Integer.toString(servers.get(1).port())));
            boolean peersKnown = sentinels.stream().allMatch(s -> s.cli("SENTINEL", "master", MASTER_NAME)
                    .contains("num-other-sentinels\n2"));
            if (replicaUp && sentinelsAgree && replicaKnown && peersKnown) {
                return;
            }
            pause();
        }
        throw new IllegalStateException("sentinel group not ready within " + timeout);
    }

    private static void pause() {
        try {
            Thread.sleep(100); // polling real processes, not test logic
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        sentinels.forEach(RedisProcess::close);
        servers.forEach(RedisProcess::close);
    }
}
