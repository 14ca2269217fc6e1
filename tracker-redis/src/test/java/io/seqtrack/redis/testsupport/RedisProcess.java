package io.seqtrack.redis.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real {@code redis-server} process on loopback, started and stopped by a test. Not a mock: the binary installed
 * on the machine ({@code REDIS_SERVER} or {@code redis-server} on the PATH). Supports the faults tests inject:
 * SIGKILL and restart on the same port and data directory, SIGSTOP/SIGCONT.
 */
public final class RedisProcess implements AutoCloseable {

    private final Path dir;
    private final int port;
    private final List<String> args;
    private Process process;

    private RedisProcess(Path dir, int port, List<String> args) {
        this.dir = dir;
        this.port = port;
        this.args = args;
    }

    /** Starts a server on a free loopback port with the given extra {@code redis-server} arguments. */
    public static RedisProcess start(String... extraArgs) {
        return start(freePort(), extraArgs);
    }

    public static RedisProcess start(int port, String... extraArgs) {
        try {
            Path dir = Files.createTempDirectory("seqtrack-redis-" + port + "-");
            List<String> args = new ArrayList<>(List.of("--port", Integer.toString(port), "--bind", "127.0.0.1",
                    "--dir", dir.toString(), "--save", "", "--appendonly", "no", "--protected-mode", "no",
                    "--logfile", dir.resolve("redis.log").toString()));
            args.addAll(List.of(extraArgs));
            RedisProcess redis = new RedisProcess(dir, port, args);
            redis.launch();
            return redis;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Starts a Sentinel ({@code redis-server sentinel.conf --sentinel}) monitoring {@code masterName} at
     * {@code masterPort} with quorum 2 and short timeouts, so failovers in tests take seconds.
     */
    public static RedisProcess startSentinel(String masterName, int masterPort) {
        int port = freePort();
        try {
            Path dir = Files.createTempDirectory("seqtrack-sentinel-" + port + "-");
            Path conf = dir.resolve("sentinel.conf");
            Files.writeString(conf, String.join("\n",
                    "port " + port,
                    "bind 127.0.0.1",
                    "dir " + dir,
                    "logfile " + dir.resolve("redis.log"),
                    "sentinel monitor " + masterName + " 127.0.0.1 " + masterPort + " 2",
                    "sentinel down-after-milliseconds " + masterName + " 1000",
                    "sentinel failover-timeout " + masterName + " 3000",
                    "sentinel parallel-syncs " + masterName + " 1", ""));
            RedisProcess sentinel = new RedisProcess(dir, port, List.of(conf.toString(), "--sentinel"));
            sentinel.launch();
            return sentinel;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static String binary() {
        String configured = System.getenv("REDIS_SERVER");
        return configured != null && !configured.isBlank() ? configured : "redis-server";
    }

    private void launch() {
        List<String> command = new ArrayList<>();
        command.add(binary());
        command.addAll(args);
        try {
            process = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(dir.resolve("stdout.log").toFile()).start();
        } catch (IOException e) {
            throw new IllegalStateException("cannot start " + binary() + " — install Redis (apt-get install "
                    + "redis-server) or set REDIS_SERVER to its path", e);
        }
        awaitPort(Duration.ofSeconds(20));
    }

    public int port() {
        return port;
    }

    public Path dir() {
        return dir;
    }

    public String uri() {
        return "redis://127.0.0.1:" + port;
    }

    public long pid() {
        return process.pid();
    }

    /** SIGKILL: no shutdown, no final save — as a crash. */
    public void kill() {
        process.destroyForcibly();
        awaitExit();
    }

    /** Starts the server again on the same port and directory (with the same arguments: AOF replays). */
    public void restart() {
        if (process.isAlive()) {
            kill();
        }
        launch();
    }

    public void pause() {
        signal("STOP");
    }

    public void resume() {
        signal("CONT");
    }

    /** Runs {@code redis-cli} against this server and returns its output. */
    public String cli(String... cliArgs) {
        List<String> command = new ArrayList<>(List.of("redis-cli", "-h", "127.0.0.1", "-p", Integer.toString(port)));
        command.addAll(List.of(cliArgs));
        return run(command);
    }

    public static String run(List<String> command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException("timed out: " + command);
            }
            return new String(out, StandardCharsets.UTF_8).trim();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private void signal(String signal) {
        run(List.of("kill", "-" + signal, Long.toString(process.pid())));
    }

    private void awaitExit() {
        try {
            process.waitFor(20, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void awaitPort(Duration timeout) {
        Instant deadline = Instant.now().plus(timeout);
        while (Instant.now().isBefore(deadline)) {
            if (!process.isAlive()) {
                throw new IllegalStateException("redis-server exited at start: " + log());
            }
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
                if ("PONG".equals(cli("PING"))) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            try {
                Thread.sleep(20); // waiting for a real process to start, not test logic
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        throw new IllegalStateException("redis-server did not answer on port " + port + ": " + log());
    }

    public String log() {
        try {
            Path log = dir.resolve("redis.log");
            return Files.exists(log) ? Files.readString(log) : Files.readString(dir.resolve("stdout.log"));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    /**
     * A free port for a Cluster node: the node also listens on its bus port, {@code port + 10000}, which must be free
     * and below 65536 too (the kernel's ephemeral range reaches 60999, so a plain free port often has no room for it).
     */
    public static int freeClusterPort() {
        for (int attempt = 0; attempt < 200; attempt++) {
            int port = freePort();
            if (port + 10_000 > 65_535) {
                port = port - 30_000; // below the ephemeral range: still free?
            }
            if (port > 1024 && bindable(port) && bindable(port + 10_000)) {
                return port;
            }
        }
        throw new IllegalStateException("no free port pair (port, port + 10000) for a Cluster node");
    }

    private static boolean bindable(int port) {
        try (ServerSocket socket = new ServerSocket(port, 1, java.net.InetAddress.getLoopbackAddress())) {
            socket.setReuseAddress(true);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    public static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        if (process != null && process.isAlive()) {
            if (isStopped()) {
                resume();
            }
            process.destroy();
            awaitExit();
            if (process.isAlive()) {
                kill();
            }
        }
    }

    private boolean isStopped() {
        try {
            String stat = Files.readString(Path.of("/proc/" + process.pid() + "/stat"));
            return stat.substring(stat.lastIndexOf(')') + 2).startsWith("T");
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }
}
