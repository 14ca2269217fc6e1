package io.seqtrack.benchmarks;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Starts a throwaway {@code redis-server} on a free loopback port (no persistence) so {@code benchmarks.jar} runs
 * without any Redis set up. The binary is {@code redis-server} on the PATH unless {@code -Dseqtrack.redis.server} names
 * another. {@link #close()} destroys the process and its working directory.
 */
public final class RedisServerLauncher implements AutoCloseable {

    private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(10);

    private final Process process;
    private final int port;
    private final Path workDir;

    private RedisServerLauncher(Process process, int port, Path workDir) {
        this.process = process;
        this.port = port;
        this.workDir = workDir;
    }

    /** Starts a server and returns once it answers {@code PING}. */
    public static RedisServerLauncher start() {
        String binary = System.getProperty("seqtrack.redis.server", "redis-server");
        Path workDir;
        try {
            workDir = Files.createTempDirectory("seqtrack-bench-redis");
        } catch (IOException e) {
            throw new IllegalStateException("cannot create a working directory for redis-server", e);
        }
        IllegalStateException last = null;
        for (int attempt = 0; attempt < 3; attempt++) { // a free port can be taken between probing and binding
            int port = freePort();
            Process process;
            try {
                process = new ProcessBuilder(List.of(binary, "--port", Integer.toString(port), "--bind", "127.0.0.1",
                        "--save", "", "--appendonly", "no", "--dir", workDir.toString()))
                        .redirectErrorStream(true)
                        .redirectOutput(workDir.resolve("redis.log").toFile())
                        .start();
            } catch (IOException e) {
                throw new IllegalStateException("cannot start '" + binary + "' (set -Dseqtrack.redis.uri to use a running"
                        + " Redis, or -Dseqtrack.redis.server to name the binary)", e);
            }
            RedisServerLauncher launcher = new RedisServerLauncher(process, port, workDir);
            try {
                launcher.awaitPing();
                return launcher;
            } catch (IllegalStateException e) {
                launcher.destroyProcess();
                last = e;
            }
        }
        deleteQuietly(workDir);
        throw last;
    }

    public int port() {
        return port;
    }

    /** {@code redis://127.0.0.1:<port>}. */
    public String uri() {
        return "redis://127.0.0.1:" + port;
    }

    @Override
    public void close() {
        destroyProcess();
        deleteQuietly(workDir);
    }

    private void destroyProcess() {
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    private void awaitPing() {
        long deadline = System.nanoTime() + STARTUP_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("redis-server exited with " + process.exitValue() + " (log: "
                        + workDir.resolve("redis.log") + ")");
            }
            if (ping(port)) {
                return;
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for redis-server", e);
            }
        }
        throw new IllegalStateException("redis-server on port " + port + " did not answer PING within " + STARTUP_TIMEOUT);
    }

    /** Sends an inline {@code PING} and expects {@code +PONG}. */
    static boolean ping(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 200);
            socket.setSoTimeout(500);
            OutputStream out = socket.getOutputStream();
            out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            byte[] reply = new byte[7];
            int n = 0;
            while (n < reply.length) {
                int r = in.read(reply, n, reply.length - n);
                if (r < 0) {
                    break;
                }
                n += r;
            }
            return new String(reply, 0, n, StandardCharsets.US_ASCII).startsWith("+PONG");
        } catch (IOException e) {
            return false;
        }
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException("no free loopback port", e);
        }
    }

    private static void deleteQuietly(Path dir) {
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | RuntimeException ignored) {
            // a temp directory left behind is harmless
        }
    }
}
