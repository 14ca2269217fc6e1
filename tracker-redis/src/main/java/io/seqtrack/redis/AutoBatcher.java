package io.seqtrack.redis;

import io.seqtrack.core.domain.AggregateKey;
import io.seqtrack.core.domain.SequenceStoreException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;

/**
 * Coalesces concurrent single calls into batch calls ("smart batching"). A call joins one queue; a single flusher
 * thread takes what is queued, up to {@code maxBatch} calls, and sends each run of consecutive calls of one kind as
 * one batch call — so a batch is as large as the load made it while the previous one was in flight, a lone call goes
 * out at once, and no timer adds latency. The queue is FIFO and batches are sent one after another, so calls are
 * applied in the order they were issued, across kinds too (invariant 12). Each call is completed with its own
 * element's answer; when a batch fails part-way, the elements it answered complete normally and the others fail with
 * an "outcome unknown" {@link SequenceStoreException}, exactly as the single call would have.
 */
final class AutoBatcher implements AutoCloseable {

    /** One kind of call: its batch form and how to name an element in an error. */
    record Kind<Q, R>(String name, Function<List<Q>, List<R>> batch, Function<Q, AggregateKey> key) {
    }

    private record Pending<Q, R>(Kind<Q, R> kind, Q request, CompletableFuture<R> future) {
    }

    private final int maxBatch;
    private final ConcurrentLinkedQueue<Pending<?, ?>> queue = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean draining = new AtomicBoolean();
    private final Executor flusher;
    private final Runnable shutdown;
    private volatile boolean closed;

    /** Flushes on a daemon thread of its own. */
    static AutoBatcher onOwnThread(int maxBatch, String name) {
        ExecutorService thread = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "seqtrack-redis-autobatch-" + name);
            t.setDaemon(true);
            return t;
        });
        return new AutoBatcher(maxBatch, thread, () -> {
            thread.shutdown(); // a batch in flight finishes
            try {
                if (!thread.awaitTermination(10, TimeUnit.SECONDS)) {
                    thread.shutdownNow();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                thread.shutdownNow();
            }
        });
    }

    /** Flushes by {@code flusher} (tests: an executor that runs the drain when told); {@code shutdown} on close. */
    AutoBatcher(int maxBatch, Executor flusher, Runnable shutdown) {
        this.maxBatch = maxBatch;
        this.flusher = flusher;
        this.shutdown = shutdown;
    }

    <Q, R> CompletableFuture<R> submit(Kind<Q, R> kind, Q request) {
        Pending<Q, R> pending = new Pending<>(kind, request, new CompletableFuture<>());
        if (closed) {
            pending.future().completeExceptionally(closedFailure(pending));
            return pending.future();
        }
        queue.add(pending);
        if (draining.compareAndSet(false, true)) {
            try {
                flusher.execute(this::drain);
            } catch (RejectedExecutionException e) { // closed meanwhile
                draining.set(false);
                failQueued();
            }
        }
        return pending.future();
    }

    /** Runs on the flusher thread until the queue is empty (and nobody else took over draining). */
    private void drain() {
        while (true) {
            List<Pending<?, ?>> taken = new ArrayList<>();
            for (Pending<?, ?> p; taken.size() < maxBatch && (p = queue.poll()) != null; ) {
                if (!p.future().isDone()) { // a caller that stopped waiting cancelled it: not sending it is allowed
                    taken.add(p);
                }
            }
            if (taken.isEmpty()) {
                draining.set(false);
                // a call queued after the poll and before the flag was cleared found draining still set: take it
                if (queue.isEmpty() || !draining.compareAndSet(false, true)) {
                    return;
                }
                continue;
            }
            int from = 0;
            while (from < taken.size()) {
                int to = from + 1;
                while (to < taken.size() && taken.get(to).kind() == taken.get(from).kind()) {
                    to++;
                }
                run(taken.subList(from, to));
                from = to;
            }
            if (closed) {
                failQueued();
            }
        }
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static void run(List<Pending<?, ?>> run) {
        Kind kind = run.get(0).kind();
        List<Object> requests = new ArrayList<>(run.size());
        run.forEach(p -> requests.add(p.request()));
        List<Object> results;
        try {
            results = (List<Object>) kind.batch().apply(requests);
        } catch (SequenceStoreException e) {
            List<Optional<Object>> known = e.batchResults();
            for (int i = 0; i < run.size(); i++) {
                Pending p = run.get(i);
                Optional<Object> answer = known.size() == run.size() ? known.get(i) : Optional.empty();
                if (answer.isPresent()) {
                    p.future().complete(answer.get());
                } else {
                    p.future().completeExceptionally(SequenceStoreException.of(kind.name(),
                            (AggregateKey) kind.key().apply(p.request()), e));
                }
            }
            return;
        } catch (RuntimeException | Error e) {
            run.forEach(p -> p.future().completeExceptionally(e));
            return;
        }
        for (int i = 0; i < run.size(); i++) {
            ((CompletableFuture<Object>) run.get(i).future()).complete(results.get(i));
        }
    }

    private void failQueued() {
        for (Pending<?, ?> p; (p = queue.poll()) != null; ) {
            p.future().completeExceptionally(closedFailure(p));
        }
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static SequenceStoreException closedFailure(Pending<?, ?> p) {
        Kind kind = p.kind();
        return SequenceStoreException.of(kind.name(), (AggregateKey) kind.key().apply(p.request()),
                new IllegalStateException("the store is closed; the call was not sent"));
    }

    /** Calls queued but not yet sent fail ("not sent"); a batch in flight finishes first. */
    @Override
    public void close() {
        closed = true;
        shutdown.run();
        failQueued();
    }
}
