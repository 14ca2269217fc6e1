package io.seqtrack.redis;

import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.seqtrack.core.domain.AggregateKey;
import io.seqtrack.core.domain.SequenceStoreException;
import io.seqtrack.core.domain.SequenceTrackingException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * The one way the store and the buffer call Redis: every script call, its {@code NOSCRIPT} fallback, its {@code WAIT},
 * the wait for its answer and the translation of every failure into {@link SequenceStoreException} ("outcome
 * unknown") go through here, so the two cannot drift apart again (issue 13).
 *
 * <ul>
 *   <li><b>Scripts</b> run with {@code EVALSHA}; a server that lost its script cache (restart, failover,
 *       {@code SCRIPT FLUSH}) answers {@code NOSCRIPT} and the call is re-sent with {@code EVAL}, which caches it
 *       again.</li>
 *   <li><b>Order.</b> The fallback is sent only once the {@code NOSCRIPT} reply arrived, and meanwhile another client
 *       may have loaded the script again, so a later call already on the wire could overtake it. Calls on one
 *       aggregate therefore go through {@link PerKeyOrder}: a call is sent once the previous call on its aggregate has
 *       its answer (invariant 12, {@code RedisLayoutAndOrderTest}); batches take their place with {@link #reserve}.</li>
 *   <li><b>WAIT</b> ({@link #replicated}): with {@code waitReplicas > 0}, a write is reported done only once that many
 *       replicas acknowledged it. WAIT blocks the connection it runs on and counts only that connection's writes, so
 *       writes under WAIT go through connections of their own (the batch connection, a write connection; per node on
 *       a Cluster), never the shared one that reads and calls without WAIT use; and one WAIT serves every write sent
 *       before it (one per batch, one per group of pipelined single writes).</li>
 *   <li><b>Await and translate.</b> The blocking forms wait at most the command timeout plus the WAIT timeout plus a
 *       second (the client's own timeout fires first; this is a backstop). Whatever goes wrong — a Redis error, a
 *       timeout, an interrupt, a command Lettuce cancelled, a failure while sending — reaches the caller as
 *       {@link SequenceStoreException} naming the operation and the aggregate, except {@link SequenceTrackingException}s
 *       (already the SPI's) and invalid arguments, which are the caller's bug. A script's {@code SEQTRACK_CORRUPT}
 *       error becomes "corrupted state".</li>
 * </ul>
 */
final class ScriptCalls {

    private final RedisStoreConfig config;
    private final Backend backend;
    private final long awaitMillis;
    private final PerKeyOrder order = new PerKeyOrder();
    /** Per connection that writes under WAIT (the write and batch connections, per node on a Cluster). */
    private final java.util.concurrent.ConcurrentHashMap<Object, WaitLane> lanes =
            new java.util.concurrent.ConcurrentHashMap<>();

    ScriptCalls(RedisStoreConfig config, Backend backend) {
        this.config = config;
        this.backend = backend;
        this.awaitMillis = Backend.awaitMillis(config);
    }

    /** How long a blocking caller waits for an answer. */
    long awaitMillis() {
        return awaitMillis;
    }

    /** Plain commands on the shared connection (reads, SCAN), routed by key on a Cluster. */
    io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands<byte[], byte[]> keyCommands() {
        return backend.keyCommands();
    }

    // ------------------------------------------------------------------ sending

    /**
     * Runs {@code script} on the shared connection once every earlier call on {@code aggregate} has its answer.
     * {@code keys[0]} routes the call on a Cluster.
     */
    CompletableFuture<List<Object>> call(AggregateKey aggregate, Script script, byte[][] keys, byte[]... args) {
        return order.submit(aggregate, () -> send(false, script, keys, args));
    }

    /**
     * Runs {@code script} in a place on its aggregate taken earlier ({@link #place}): once the call issued before it
     * has its answer. The place is released when this call has its answer.
     */
    CompletableFuture<List<Object>> callIn(PerKeyOrder.Place place, Script script, byte[][] keys, byte[]... args) {
        return order.sendIn(place, () -> send(false, script, keys, args));
    }

    /**
     * Takes the next place on {@code aggregate} now, for a call sent later ({@link #callIn}, or a batch given the
     * place) — or given up with {@link PerKeyOrder.Place#abandon}.
     */
    PerKeyOrder.Place place(AggregateKey aggregate) {
        return order.reserve(aggregate);
    }

    /** Any other command on {@code aggregate} (a plain read), in the same per-aggregate order as its scripts. */
    <T> CompletableFuture<T> ordered(AggregateKey aggregate, Supplier<CompletableFuture<T>> command) {
        return order.submit(aggregate, command);
    }

    /**
     * Takes the next place on {@code aggregate} for a call sent with {@link #send} (a batch); see
     * {@link PerKeyOrder#reserve}.
     */
    CompletableFuture<Void> reserve(AggregateKey aggregate, CompletableFuture<?> done) {
        return order.reserve(aggregate, done);
    }

    /**
     * {@code EVALSHA} on the shared or (inside a batch) the batch connection, falling back to {@code EVAL} when the
     * server lost its script cache. Under WAIT, a script that writes goes through the connection its {@code WAIT}
     * will run on ({@link Backend#pinned}), its fallback too. Unordered: callers use {@link #call}, or
     * {@link #reserve} for a batch.
     */
    CompletableFuture<List<Object>> send(boolean batch, Script script, byte[][] keys, byte[][] args) {
        return sendScript(batch, script, keys, args).whenComplete((reply, error) -> {
            if (error != null) {
                backend.commandFailed(error); // a stale Cluster view is refreshed, not waited out
            }
        });
    }

    private CompletableFuture<List<Object>> sendScript(boolean batch, Script script, byte[][] keys, byte[][] args) {
        if (config.waitReplicas() > 0 && script.writes) {
            io.lettuce.core.api.StatefulRedisConnection<byte[], byte[]> connection;
            try {
                connection = backend.pinned(keys[0], batch);
            } catch (RuntimeException e) {
                return CompletableFuture.failedFuture(e); // no connection to the slot's master in time
            }
            WaitLane lane = lane(connection);
            return lane.write(() -> connection.async()
                            .<List<Object>>evalsha(script.sha, ScriptOutputType.MULTI, keys, args).toCompletableFuture())
                    .exceptionallyCompose(e -> isNoScript(e)
                            ? lane.write(() -> connection.async().<List<Object>>eval(script.bodyBytes,
                                    ScriptOutputType.MULTI, keys, args).toCompletableFuture())
                            : CompletableFuture.failedFuture(e));
        }
        CompletableFuture<List<Object>> first = backend.commands(keys[0], batch)
                .<List<Object>>evalsha(script.sha, ScriptOutputType.MULTI, keys, args).toCompletableFuture();
        // without WAIT the fallback may take the shared connection: nothing waits for the connection that wrote
        return first.exceptionallyCompose(e -> isNoScript(e)
                ? backend.commands(keys[0], false)
                        .<List<Object>>eval(script.bodyBytes, ScriptOutputType.MULTI, keys, args).toCompletableFuture()
                : CompletableFuture.failedFuture(e));
    }

    /**
     * A Cluster batch's elements of several slots that one node serves, in one call of the script's node-wide form
     * ({@link Script#nodeBodyBytes}) on the batch connection's connection to that node; its {@code NOSCRIPT} fallback
     * and, under WAIT, its {@code WAIT} go through the same connection. {@code keys} holds {@code perElement} keys per
     * element, {@code args} the elements' arguments. Unordered: the caller reserves its aggregates' places.
     */
    CompletableFuture<List<Object>> sendToNode(String nodeId, Script script, int perElement, byte[][] keys,
            byte[][] args) {
        byte[][] all = new byte[2 + keys.length + args.length][];
        all[0] = Integer.toString(perElement).getBytes(StandardCharsets.US_ASCII);
        all[1] = Integer.toString(keys.length / perElement).getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(keys, 0, all, 2, keys.length);
        System.arraycopy(args, 0, all, 2 + keys.length, args.length);
        byte[][] none = new byte[0][];
        io.lettuce.core.api.StatefulRedisConnection<byte[], byte[]> connection;
        try {
            connection = backend.batchNodeConnection(nodeId);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e); // no connection to the node in time
        }
        WaitLane lane = config.waitReplicas() > 0 ? lane(connection) : null;
        Supplier<CompletableFuture<List<Object>>> first = () -> connection.async()
                .<List<Object>>evalsha(script.nodeSha, ScriptOutputType.MULTI, none, all).toCompletableFuture();
        Supplier<CompletableFuture<List<Object>>> fallback = () -> connection.async()
                .<List<Object>>eval(script.nodeBodyBytes, ScriptOutputType.MULTI, none, all).toCompletableFuture();
        return (lane == null ? first.get() : lane.write(first))
                .exceptionallyCompose(e -> isNoScript(e)
                        ? (lane == null ? fallback.get() : lane.write(fallback))
                        : CompletableFuture.failedFuture(e))
                .whenComplete((reply, error) -> {
                    if (error != null) {
                        backend.commandFailed(error);
                    }
                });
    }

    /** A one-off script with {@code EVAL} on the shared connection (the layout record: run once per connect). */
    CompletableFuture<List<Object>> eval(byte[] key, String script, byte[][] args) {
        return backend.commands(key, false).<List<Object>>eval(script.getBytes(StandardCharsets.UTF_8),
                ScriptOutputType.MULTI, new byte[][] {key}, args).toCompletableFuture();
    }

    // ------------------------------------------------------------------ WAIT

    /**
     * With {@code waitReplicas > 0}: {@code result} once a {@code WAIT} on the connection that wrote {@code key} (the
     * batch connection if {@code batch}) says enough replicas acknowledged every write sent on it so far — or a failure
     * (outcome unknown: written on the master, perhaps not replicated) if too few did in time. One {@code WAIT} serves
     * every write sent before it: the writes of a batch, and concurrent single writes whose replies arrive together
     * (see {@link WaitLane}). Without WAIT, {@code result} at once.
     */
    <T> CompletableFuture<T> replicated(byte[] key, boolean batch, T result) {
        if (config.waitReplicas() == 0) {
            return CompletableFuture.completedFuture(result);
        }
        long timeout = config.waitTimeout().toMillis();
        io.lettuce.core.api.StatefulRedisConnection<byte[], byte[]> connection;
        try {
            connection = backend.pinned(key, batch);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e); // no connection to the slot's master in time
        }
        return lane(connection).waitForAll(connection, config.waitReplicas(), timeout)
                .thenApply(acknowledged -> {
                    if (acknowledged < config.waitReplicas()) {
                        throw new ReplicationNotAcknowledgedException("written on the master but acknowledged by only "
                                + acknowledged + " of " + config.waitReplicas() + " replicas within " + timeout
                                + " ms; a failover could lose it");
                    }
                    return result;
                });
    }

    private WaitLane lane(io.lettuce.core.api.StatefulRedisConnection<byte[], byte[]> connection) {
        return lanes.computeIfAbsent(connection, c -> new WaitLane());
    }

    /**
     * The writes and WAITs of one connection. {@code WAIT} acknowledges every write the connection sent before it, so
     * a write needs a WAIT sent after it — any one. The lane counts the writes sent (in the order Lettuce puts them on
     * the wire: the count and the send happen under one lock) and remembers the last WAIT and how many writes preceded
     * it. A write's caller, once its reply is in, asks for a WAIT: if no write was sent since the last WAIT, that WAIT
     * (in flight or answered) covers this write too and is shared; otherwise a new one is sent. So 64 pipelined writes
     * whose replies come back together cost one WAIT, and a single write still gets its own at once — no timer.
     */
    private static final class WaitLane {
        private long sent;
        private long coveredByLastWait = -1;
        private CompletableFuture<Long> lastWait;

        synchronized <T> CompletableFuture<T> write(Supplier<CompletableFuture<T>> send) {
            sent++;
            return send.get();
        }

        synchronized CompletableFuture<Long> waitForAll(
                io.lettuce.core.api.StatefulRedisConnection<byte[], byte[]> connection, int replicas, long timeoutMillis) {
            if (lastWait == null || coveredByLastWait != sent) {
                coveredByLastWait = sent;
                lastWait = connection.async().waitForReplication(replicas, timeoutMillis).toCompletableFuture();
            }
            return lastWait;
        }
    }

    // ------------------------------------------------------------------ awaiting and translating

    /** Builds the call and waits for its answer; a failure while building it is translated too. */
    <T> T await(String operation, AggregateKey key, Supplier<CompletableFuture<T>> call) {
        CompletableFuture<T> future;
        try {
            future = call.get();
        } catch (RuntimeException e) {
            throw translate(operation, key, e);
        }
        return await(operation, key, future);
    }

    /** Waits for the answer of a call already sent. */
    <T> T await(String operation, AggregateKey key, CompletableFuture<T> future) {
        try {
            return future.get(awaitMillis, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw translate(operation, key, e.getCause());
        } catch (TimeoutException e) {
            future.cancel(true);
            throw failure(operation, key, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw failure(operation, key, e);
        } catch (CancellationException e) {
            throw failure(operation, key, e);
        }
    }

    /** The async form: the stage fails with what {@link #await} would have thrown. */
    <T> CompletionStage<T> translated(String operation, AggregateKey key, Supplier<CompletableFuture<T>> call) {
        CompletableFuture<T> future;
        try {
            future = call.get();
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(translate(operation, key, e));
        }
        return future.handle((value, error) -> {
            if (error != null) {
                throw translate(operation, key, error);
            }
            return value;
        });
    }

    /**
     * What the caller sees of {@code error}: the SPI's own exceptions and invalid arguments as they are, a script's
     * {@code SEQTRACK_CORRUPT} as "corrupted state", everything else as "failed, outcome unknown".
     */
    static RuntimeException translate(String operation, AggregateKey key, Throwable error) {
        Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        if (cause instanceof SequenceTrackingException s) {
            return s;
        }
        if (cause instanceof IllegalArgumentException || cause instanceof NullPointerException) {
            return (RuntimeException) cause;
        }
        String message = cause.getMessage();
        if (cause instanceof RedisCommandExecutionException && message != null && message.contains("SEQTRACK_CORRUPT")) {
            String detail = message.substring(message.indexOf("SEQTRACK_CORRUPT") + "SEQTRACK_CORRUPT ".length());
            int scriptInfo = detail.indexOf(" script:");
            return SequenceStoreException.corrupted(key, scriptInfo < 0 ? detail : detail.substring(0, scriptInfo));
        }
        return failure(operation, key, cause);
    }

    static SequenceStoreException failure(String operation, AggregateKey key, Throwable cause) {
        return key == null ? SequenceStoreException.of(operation, cause) : SequenceStoreException.of(operation, key, cause);
    }

    private static boolean isNoScript(Throwable e) {
        Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
        return cause instanceof RedisNoScriptException
                || (cause.getMessage() != null && cause.getMessage().startsWith("NOSCRIPT"));
    }

    /** A write reached the master but not enough replicas in time: its durability across a failover is unknown. */
    static final class ReplicationNotAcknowledgedException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        ReplicationNotAcknowledgedException(String message) {
            super(message);
        }
    }
}
