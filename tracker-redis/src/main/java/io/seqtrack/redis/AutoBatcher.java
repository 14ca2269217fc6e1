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
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * Coalesces concurrent single calls into batch calls ("smart batching"). While nothing is in flight a call is sent at
 * once, on the caller's thread, as the single script call it is — so at low load auto-batching costs nothing, not
 * even a thread hop. While a call or a batch is in flight, new calls join one queue; once it has answered, a single
 * flusher thread takes what is queued, up to {@code maxBatch} calls, and sends each run of consecutive calls of one
 * kind as one batch call — so a batch is as large as the load made it while the previous one was in flight, and no
 * timer adds latency. Each call is completed with its own element's answer; when a batch fails part-way, the elements
 * it answered complete normally and the others fail with an "outcome unknown" {@link SequenceStoreException}, exactly
 * as the single call would have.
 *
 * <p><b>Order (invariant 12).</b> A call takes its place on its aggregate ({@link PerKeyOrder}) when it is issued,
 * not when the batcher sends it, so a call issued later on the same aggregate that does not go through the batcher (a
 * read, a renew, a reset, a lane's own batch) waits for it. The queue is FIFO and a batch stops before a call whose
 * predecessor on its aggregate has not answered yet unless that predecessor is in the same batch call (where the
 * script applies them in order): a call issued from outside between two queued calls on one aggregate splits the
 * batch there, and the rest waits for it.
 */
final class AutoBatcher implements AutoCloseable {

    /**
     * One kind of call: its batch form, how to name an element in an error, and its single form. Both forms are given
     * the places the calls took when issued and take each over: released once its call has its answer (or given up
     * if it sends nothing) — even when they throw.
     */
    record Kind<Q, R>(String name, BiFunction<List<Q>, List<PerKeyOrder.Place>, List<R>> batch,
            Function<Q, AggregateKey> key, BiFunction<Q, PerKeyOrder.Place, CompletableFuture<R>> single) {
    }

    private record Pending<Q, R>(Kind<Q, R> kind, Q request, PerKeyOrder.Place place, CompletableFuture<R> future) {
    }

    private final int maxBatch;
    private final ConcurrentLinkedDeque<Pending<?, ?>> queue = new ConcurrentLinkedDeque<>();
    /** A call sent directly or a drain is in flight: new calls queue. */
    private final AtomicBoolean busy = new AtomicBoolean();
    private final Executor flusher;
    private final Runnable shutdown;
    /** Takes a call's place on its aggregate. */
    private final Function<AggregateKey, PerKeyOrder.Place> places;
    /**
     * Taking a place and joining the queue are one step, so the queue and every aggregate's places agree; it is the
     * lock outside batches take all their places under, so a queued call never takes a place in the middle of an
     * outside batch's places (the batch would wait for it while it waits, behind the batcher, for the batch).
     */
    private final Object enqueue;
    private volatile boolean closed;

    /** Flushes on a daemon thread of its own. */
    static AutoBatcher onOwnThread(int maxBatch, String name, Function<AggregateKey, PerKeyOrder.Place> places,
            Object reservations) {
        ExecutorService thread = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "seqtrack-redis-autobatch-" + name);
            t.setDaemon(true);
            return t;
        });
        return new AutoBatcher(maxBatch, places, reservations, thread, () -> {
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

    /**
     * Flushes by {@code flusher} (tests: an executor that runs the drain when told); {@code shutdown} on close;
     * {@code reservations}: the lock outside batches take their places under.
     */
    AutoBatcher(int maxBatch, Function<AggregateKey, PerKeyOrder.Place> places, Object reservations, Executor flusher,
            Runnable shutdown) {
        this.maxBatch = maxBatch;
        this.places = places;
        this.enqueue = java.util.Objects.requireNonNull(reservations, "reservations");
        this.flusher = flusher;
        this.shutdown = shutdown;
    }

    <Q, R> CompletableFuture<R> submit(Kind<Q, R> kind, Q request) {
        CompletableFuture<R> future = new CompletableFuture<>();
        if (closed) {
            future.completeExceptionally(notSent(kind, request));
            return future;
        }
        synchronized (enqueue) {
            queue.add(new Pending<>(kind, request, places.apply(kind.key().apply(request)), future));
        }
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
        return future;
    }

    /** Sends one call as its single form; when it has answered, what queued meanwhile is drained. */
    @SuppressWarnings({"unchecked", "rawtypes"})
    private void sendDirect(Pending<?, ?> pending) {
        Pending p = pending;
        CompletableFuture<Object> answer;
        try {
            answer = (CompletableFuture<Object>) p.kind().single().apply(p.request(), p.place());
        } catch (RuntimeException | Error e) {
            p.place().abandonUnlessSettled();
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

    /**
     * Runs on the flusher thread until the queue is empty (and nobody else took over), or until its head must wait
     * for a call on its aggregate that is not the batcher's: then it resumes once that call has answered.
     */
    private void drain() {
        while (true) {
            if (closed) {
                failQueued();
            }
            List<Pending<?, ?>> taken = new ArrayList<>();
            Pending<?, ?> blocked = takeBatch(taken);
            if (taken.isEmpty() && blocked != null) {
                blocked.place().before.whenComplete((ignored, error) -> startDrain()); // busy until then
                return;
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
        }
    }

    /**
     * Takes the queue's head calls into {@code taken}, up to {@code maxBatch}, stopping before a call whose
     * predecessor on its aggregate has not answered and is not in the run of same-kind calls it would join (one
     * script call, which applies them in order); returns that call (put back at the head), or {@code null}.
     */
    private Pending<?, ?> takeBatch(List<Pending<?, ?>> taken) {
        Kind<?, ?> runKind = null;
        java.util.Set<CompletableFuture<?>> inRun = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        for (Pending<?, ?> p; taken.size() < maxBatch && (p = queue.poll()) != null; ) {
            if (p.future().isDone()) { // a caller that stopped waiting cancelled it: not sending it is allowed
                p.place().abandon();
                continue;
            }
            boolean joinsRun = p.kind() == runKind;
            if (!p.place().ready() && !(joinsRun && inRun.contains(p.place().before))) {
                queue.offerFirst(p);
                return p;
            }
            if (!joinsRun) {
                runKind = p.kind();
                inRun.clear();
            }
            inRun.add(p.place().done);
            taken.add(p);
        }
        return null;
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static void run(List<Pending<?, ?>> run) {
        Kind kind = run.get(0).kind();
        List<Object> requests = new ArrayList<>(run.size());
        List<PerKeyOrder.Place> places = new ArrayList<>(run.size());
        run.forEach(p -> {
            requests.add(p.request());
            places.add(p.place());
        });
        List<Object> results;
        try {
            results = (List<Object>) kind.batch().apply(requests, places);
        } catch (SequenceStoreException e) {
            places.forEach(PerKeyOrder.Place::abandonUnlessSettled);
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
            places.forEach(PerKeyOrder.Place::abandonUnlessSettled);
            run.forEach(p -> p.future().completeExceptionally(e));
            return;
        }
        for (int i = 0; i < run.size(); i++) {
            ((CompletableFuture<Object>) run.get(i).future()).complete(results.get(i));
        }
    }

    private void failQueued() {
        for (Pending<?, ?> p; (p = queue.poll()) != null; ) {
            p.place().abandon();
            p.future().completeExceptionally(notSent(p.kind(), p.request()));
        }
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static SequenceStoreException notSent(Kind kind, Object request) {
        return SequenceStoreException.notSent(kind.name(), (AggregateKey) kind.key().apply(request),
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
