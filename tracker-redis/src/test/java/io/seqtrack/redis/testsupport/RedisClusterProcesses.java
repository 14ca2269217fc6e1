package io.seqtrack.redis.testsupport;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * A real Redis Cluster on loopback: {@code masters} masters with one replica each, all {@code redis-server}
 * processes, joined with {@code redis-cli --cluster create}. Started and stopped by the test.
 */
public final class RedisClusterProcesses implements AutoCloseable {

    private final List<RedisProcess> nodes = new ArrayList<>();

    private RedisClusterProcesses() {
    }

    public static RedisClusterProcesses start(int masters, String... extraArgs) {
        RedisClusterProcesses cluster = new RedisClusterProcesses();
        try {
            for (int i = 0; i < masters * 2; i++) {
                List<String> args = new ArrayList<>(List.of("--cluster-enabled", "yes", "--cluster-config-file",
                        "nodes.conf", "--cluster-node-timeout", "1500", "--cluster-replica-validity-factor", "0"));
                args.addAll(List.of(extraArgs));
                cluster.nodes.add(startNode(args));
            }
            List<String> create = new ArrayList<>(List.of("redis-cli", "--cluster", "create"));
            cluster.nodes.forEach(n -> create.add("127.0.0.1:" + n.port()));
            create.addAll(List.of("--cluster-replicas", "1", "--cluster-yes"));
            String out = RedisProcess.run(create);
            if (!out.contains("All 16384 slots covered")) {
                throw new IllegalStateException("cluster create failed: " + out);
            }
            cluster.awaitHealthy(Duration.ofSeconds(30));
            return cluster;
        } catch (RuntimeException e) {
            cluster.close();
            throw e;
        }
    }

    /**
     * Starts one node on a port whose bus port is free too; another process can still take either between the check
     * and the start, so a start that lost that race is retried on another pair.
     */
    private static RedisProcess startNode(List<String> args) {
        IllegalStateException last = null;
        for (int attempt = 0; attempt < 5; attempt++) {
            try {
                return RedisProcess.start(RedisProcess.freeClusterPort(), args.toArray(String[]::new));
            } catch (IllegalStateException e) {
                if (e.getMessage() == null || !e.getMessage().contains("Address already in use")) {
                    throw e;
                }
                last = e;
            }
        }
        throw last;
    }

    /** Waits until every live node reports {@code cluster_state:ok} and sees a full set of masters. */
    public void awaitHealthy(Duration timeout) {
        Instant deadline = Instant.now().plus(timeout);
        while (Instant.now().isBefore(deadline)) {
            boolean ok = true;
            for (RedisProcess node : liveNodes()) {
                String replication = node.cli("INFO", "replication");
                if (!node.cli("CLUSTER", "INFO").contains("cluster_state:ok")
                        || (replication.contains("role:slave") && !replication.contains("master_link_status:up"))) {
                    ok = false;
                    break;
                }
            }
            if (ok) {
                return;
            }
            pauseBriefly();
        }
        throw new IllegalStateException("cluster not healthy after " + timeout);
    }

    public List<RedisProcess> nodes() {
        return nodes;
    }

    /** Nodes whose process is alive (a killed master is not). */
    public List<RedisProcess> liveNodes() {
        List<RedisProcess> live = new ArrayList<>();
        for (RedisProcess node : nodes) {
            if ("PONG".equals(node.cli("PING"))) {
                live.add(node);
            }
        }
        return live;
    }

    /** Seed URIs of every node. */
    public List<String> uris() {
        List<String> uris = new ArrayList<>();
        nodes.forEach(n -> uris.add(n.uri()));
        return uris;
    }

    /** The node currently master for {@code slot}, according to a live node's view. */
    public RedisProcess masterOf(int slot) {
        int port = masterPortsBySlot()[slot];
        if (port == 0) {
            throw new IllegalStateException("no master for slot " + slot);
        }
        return nodes.stream().filter(n -> n.port() == port).findFirst().orElseThrow();
    }

    /** For every slot, the port of its master (0 if unassigned), read once from a live node's CLUSTER NODES. */
    public int[] masterPortsBySlot() {
        int[] ports = new int[16384];
        RedisProcess anyLive = liveNodes().get(0);
        for (String line : anyLive.cli("CLUSTER", "NODES").split("\n")) {
            String[] f = line.trim().split(" ");
            if (f.length < 9 || !f[2].contains("master") || f[2].contains("fail")) {
                continue;
            }
            int port = Integer.parseInt(f[1].substring(f[1].indexOf(':') + 1, f[1].indexOf('@')));
            for (int i = 8; i < f.length; i++) {
                if (f[i].startsWith("[")) {
                    continue; // a slot in migration
                }
                String[] range = f[i].split("-");
                int from = Integer.parseInt(range[0]);
                int to = range.length > 1 ? Integer.parseInt(range[1]) : from;
                for (int slot = from; slot <= to; slot++) {
                    ports[slot] = port;
                }
            }
        }
        return ports;
    }

    /** Waits until {@code slot} is served by a master other than {@code old} (a replica was promoted). */
    public RedisProcess awaitFailover(int slot, RedisProcess old, Duration timeout) {
        Instant deadline = Instant.now().plus(timeout);
        while (Instant.now().isBefore(deadline)) {
            try {
                RedisProcess master = masterOf(slot);
                if (master != old && "PONG".equals(master.cli("PING"))) {
                    awaitHealthy(Duration.ofSeconds(20));
                    return master;
                }
            } catch (IllegalStateException notYet) {
                // slot temporarily unassigned
            }
            pauseBriefly();
        }
        throw new IllegalStateException("no failover of slot " + slot + " within " + timeout);
    }

    private static void pauseBriefly() {
        try {
            Thread.sleep(100); // polling real processes, not test logic
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        nodes.forEach(RedisProcess::close);
    }
}
