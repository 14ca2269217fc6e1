package io.seqtrack.torture;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A TCP relay on loopback between workers and Redis that can be told to drop the network on the floor: while
 * blackholed it forwards nothing in either direction and reads nothing more, but closes nothing — the peers see
 * silence, not a refused or reset connection, as behind a firewall that drops packets. What was read but not yet
 * forwarded when the blackhole began is held and forwarded on {@link #heal} (a partition that ends delivers the
 * retransmitted segments late, as TCP would).
 */
final class BlackholeProxy implements AutoCloseable {

    private final ServerSocket server;
    private final int targetPort;
    private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "blackhole-proxy");
        t.setDaemon(true);
        return t;
    });
    private final List<Socket> sockets = new ArrayList<>();
    private final AtomicLong held = new AtomicLong();
    private final AtomicLong connections = new AtomicLong();
    private boolean blackholed;
    private volatile boolean closed;

    private BlackholeProxy(ServerSocket server, int targetPort) {
        this.server = server;
        this.targetPort = targetPort;
    }

    static BlackholeProxy start(int targetPort) {
        try {
            BlackholeProxy proxy = new BlackholeProxy(new ServerSocket(0, 50, InetAddress.getLoopbackAddress()),
                    targetPort);
            proxy.threads.execute(proxy::accept);
            return proxy;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    String uri() {
        return "redis://127.0.0.1:" + server.getLocalPort();
    }

    /** From now on nothing is forwarded and nothing more is read; every connection stays open. */
    synchronized void blackhole() {
        blackholed = true;
    }

    /** Forwards again, what was held first. */
    synchronized void heal() {
        blackholed = false;
        notifyAll();
    }

    /** Bytes that were read while blackholed and held back: requests (or replies) the partition caught in flight. */
    long bytesHeld() {
        return held.get();
    }

    long connections() {
        return connections.get();
    }

    private void accept() {
        while (!closed) {
            try {
                Socket client = server.accept();
                Socket redis = new Socket(InetAddress.getLoopbackAddress(), targetPort);
                client.setTcpNoDelay(true);
                redis.setTcpNoDelay(true);
                synchronized (sockets) {
                    sockets.add(client);
                    sockets.add(redis);
                }
                connections.incrementAndGet();
                threads.execute(() -> relay(client, redis));
                threads.execute(() -> relay(redis, client));
            } catch (IOException e) {
                if (!closed) {
                    throw new UncheckedIOException(e);
                }
            }
        }
    }

    private void relay(Socket from, Socket to) {
        byte[] buffer = new byte[16 * 1024];
        try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
            while (true) {
                awaitOpen(0); // blackholed: stop reading, so the sender's buffers fill and nothing is acknowledged
                int n = in.read(buffer);
                if (n < 0) {
                    break;
                }
                awaitOpen(n); // read just before the blackhole began: held until it ends
                out.write(buffer, 0, n);
                out.flush();
            }
        } catch (IOException | InterruptedException closedMeanwhile) {
            // one side went away (or the proxy closed): close the other too, as a relay does
        } finally {
            closeQuietly(from);
            closeQuietly(to);
        }
    }

    private synchronized void awaitOpen(int holding) throws InterruptedException {
        if (blackholed && holding > 0) {
            held.addAndGet(holding);
        }
        while (blackholed && !closed) {
            wait();
        }
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }

    @Override
    public void close() {
        closed = true;
        heal();
        try {
            server.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        synchronized (sockets) {
            sockets.forEach(BlackholeProxy::closeQuietly);
        }
        threads.shutdownNow();
    }
}
