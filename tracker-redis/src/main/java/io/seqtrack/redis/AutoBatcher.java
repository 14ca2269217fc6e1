package io.seqtrack.redis;

import io.seqtrack.core.domain.AggregateKey;
import io.seqtrack.core.domain.SequenceStoreException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;

/**
 * Coalesces concurrent single calls into batch calls ("smart batching"). While nothing is in flight a call is sent at
 * once, on the caller's thread, as the single script call it is — so at low load auto-batching costs nothing, not
 * even a thread hop. While a call or a batch is in flight, new calls join one queue; once it has answered, a single
 * flusher thread takes what is queued, up to {@code maxBatch} calls, and sends each run of consecutive calls of one
 * kind as one batch call — so a batch is as large as the load made it while the previous one was in flight, and no
 * timer adds latency. One call or batch is in flight at a time and the queue is FIFO, so calls are applied in the
 * order they were issued, across kinds too (invariant 12). Each call is completed with its own element's answer; when
 * a batch fails part-way, the elements it answered complete normally and the others fail with an "outcome unknown"
 * {@link SequenceStoreException}, exactly as the single call would have.
 */
final class AutoBatcher implements AutoCloseable {

    /** One kind of call: its batch form, how to name an element in an error, and its single form. */
    record Kind<Q, R>(String name, Function<List<Q>, List<R>> batch, Function<Q, AggregateKey> key,
            Function<Q, CompletableFuture<R>> single) {
    }

    private record Pending<Q, R>(Kind<Q, R> kind, Q request, CompletableFuture<R> future) {
    }

    private final int maxBatch;
    private final ConcurrentLinkedDeque<Pending<?, ?>> queue = new ConcurrentLinkedDeque<>();
    /** A call sent directly or a drain is in flight: new calls queue. */
    private final AtomicBoolean busy = new AtomicBoolean();
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
            pending.future().completeExceptionally(notSent(pending));
            return pending.future();
        }
        queue.add(pending);
        if (busy.compareAndSet(false, true)) {
            Pending<?, ?> head = queue.poll();
            if (head == null) { // a drain that was ending took it
                release();
            } else if (queue.isEmpty()) {
                sendDirect(head); // nothing in flight and nothing else waiting: no reason to batch
            } else {
                queue.offerFirst(head); // others queued meanwhile: they go together, in order
                startDrain();
            }
        }
        return pending.future();
    }

    /** Sends one call as its single form; when it has answered, what queued meanwhile is drained. */
    @SuppressWarnings({"unchecked", "rawtypes"})
    private void sendDirect(Pending<?, ?> pending) {
        Pending p = pending;
        CompletableFuture<Object> answer;
        try {
            answer = (CompletableFuture<Object>) p.kind().single().apply(p.request());
        } catch (RuntimeException | Error e) {
            answer = CompletableFuture.failedFuture(e);
        }
        answer.whenComplete((result, failure) -> {
            release(); // first: a caller reacting to the answer with its next call sends it directly
            if (failure != null) {
                p.future().completeExceptionally(failure);
            } else {
                p.future().complete(result);
            }
        });
    }

    /** What was in flight has answered: drain what queued meanwhile, if anything did. */
    private void release() {
        busy.set(false);
        if (!queue.isEmpty() && busy.compareAndSet(false, true)) {
            startDrain();
        }
    }

    private void startDrain() {
        try {
            flusher.execute(this::drain);
        } catch (RejectedExecutionException e) { // closed meanwhile
            busy.set(false);
            failQueued();
        }
    }

    /** Runs on the flusher thread until the queue is empty (and nobody else took over). */
    private void drain() {
        while (true) {
            List<Pending<?, ?>> taken = new ArrayList<>();
            for (Pending<?, ?> p; taken.size() < maxBatch && (p = queue.poll()) != null; ) {
                if (!p.future().isDone()) { // a caller that stopped waiting cancelled it: not sending it is allowed
                    taken.add(p);
                }
            }
            if (taken.isEmpty()) {
                busy.set(false);
                // a call queued after the poll and before the flag was cleared found the batcher busy: take it
                if (queue.isEmpty() || !busy.compareAndSet(false, true)) {
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
            p.future().completeExceptionally(notSent(p));
        }
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static SequenceStoreException notSent(Pending<?, ?> p) {
        Kind kind = p.kind();
        return SequenceStoreException.notSent(kind.name(), (AggregateKey) kind.key().apply(p.request()),
                "the store is closed");
    }

    /** Calls queued but not yet sent fail ("not sent"); a batch in flight finishes first. */
    @Override
    public void close() {
        closed = true;
        shutdown.run();
        failQueued();
    }
}
