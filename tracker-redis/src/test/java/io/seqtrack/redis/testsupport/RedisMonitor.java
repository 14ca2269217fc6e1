package io.seqtrack.redis.testsupport;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Redis {@code MONITOR} on its own connection: every command the server executes, as a line. A line says who sent it —
 * {@code [0 127.0.0.1:port]} for a client's command (a round trip) and {@code [0 lua]} for a call inside a script — so
 * tests count round trips instead of timing anything. {@link #sync()} makes the count exact: it sends a marker from
 * another connection and waits until the monitor has seen it, so everything executed before is in {@link #lines()}.
 */
public final class RedisMonitor implements AutoCloseable {

    private final int port;
    private final Socket socket;
    private final List<String> lines = new CopyOnWriteArrayList<>();
    private final Thread reader;
    private volatile String awaited;
    private volatile CountDownLatch seen = new CountDownLatch(0);

    private RedisMonitor(int port) throws IOException {
        this.port = port;
        this.socket = new Socket("127.0.0.1", port);
        socket.getOutputStream().write("MONITOR\r\n".getBytes(StandardCharsets.US_ASCII));
        BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
        String ok = in.readLine();
        if (!"+OK".equals(ok)) {
            throw new IllegalStateException("MONITOR answered " + ok);
        }
        reader = new Thread(() -> read(in), "redis-monitor-" + port);
        reader.setDaemon(true);
        reader.start();
    }

    public static RedisMonitor start(int port) {
        try {
            return new RedisMonitor(port);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot MONITOR 127.0.0.1:" + port, e);
        }
    }

    private void read(BufferedReader in) {
        try {
            for (String line; (line = in.readLine()) != null; ) {
                String marker = awaited;
                if (marker != null && line.contains(marker)) {
                    seen.countDown();
                    continue; // the marker is the monitor's own, not the workload's
                }
                lines.add(line);
            }
        } catch (IOException e) {
            // closed
        }
    }

    /** Waits until every command executed before this call is in {@link #lines()}. */
    public void sync() {
        String marker = "seqtrack-monitor-sync-" + UUID.randomUUID();
        CountDownLatch latch = new CountDownLatch(1);
        seen = latch;
        awaited = marker;
        try (Socket client = new Socket("127.0.0.1", port)) {
            OutputStream out = client.getOutputStream();
            out.write(("ECHO " + marker + "\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            client.getInputStream().read(new byte[256]);
            if (!latch.await(Duration.ofSeconds(30).toMillis(), TimeUnit.MILLISECONDS)) {
                throw new IllegalStateException("MONITOR did not show the sync marker within 30 s");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public List<String> lines() {
        return new ArrayList<>(lines);
    }

    /** The commands clients sent (round trips), not the calls scripts made. */
    public List<String> clientCommands() {
        return lines.stream().filter(l -> !l.contains("[0 lua]") && l.contains(" [")).toList();
    }

    public void clear() {
        lines.clear();
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException e) {
            // closing anyway
        }
    }
}
