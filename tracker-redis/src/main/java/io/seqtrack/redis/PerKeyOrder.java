package io.seqtrack.redis;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Keeps the calls on one aggregate in the order they were issued (invariant 12), whatever happens to the server's
 * script cache: a call is sent only once the previous call on the same aggregate has its answer.
 *
 * <p>Why this is needed: EVALSHA of a script the server lost ({@code SCRIPT FLUSH}, restart, failover) answers
 * NOSCRIPT and is re-sent with EVAL — but only once its reply arrived, and meanwhile any other client may have loaded
 * the script again, so a later EVALSHA on the same aggregate that was already on the wire runs first. Pipelining calls
 * on <em>different</em> aggregates is unaffected; two calls in flight on the same aggregate at once are rare (a
 * processor drives an aggregate one step at a time), so the cost is a map update per call.
 *
 * <p>A call's place is taken when it is issued ({@link #reserve}), which may be before it is sent: the auto-batcher
 * takes a queued call's place at once and sends it later ({@link #sendIn}).
 */
final class PerKeyOrder {

    /**
     * One call's place on its aggregate: {@link #before} is the place of the call issued just before on the same
     * aggregate ({@code null} if none was unanswered); {@link #done} is completed once this call has its answer (or
     * by {@link #abandon}) and lets the next call go.
     */
    static final class Place {
        final CompletableFuture<?> before;
        final CompletableFuture<Void> done;
        /** Whether what releases this place is decided ({@link #abandon} or {@link #releaseWith}). */
        private volatile boolean settled;

        Place(CompletableFuture<?> before, CompletableFuture<Void> done) {
            this.before = before;
            this.done = done;
        }

        /** Whether every call issued before on the aggregate has its answer. */
        boolean ready() {
            return before == null || before.isDone();
        }

        /** This place's call is not sent after all: the next call goes once the one before it has its answer. */
        void abandon() {
            settled = true;
            if (before == null) {
                done.complete(null);
            } else {
                before.whenComplete((ignored, error) -> done.complete(null));
            }
        }

        /** {@link #abandon} unless what releases this place is decided already (a safety net after a failure). */
        void abandonUnlessSettled() {
            if (!settled) {
                abandon();
            }
        }

        /** This place's call went out in a call that completes {@code sent}: the next call goes once it has. */
        void releaseWith(CompletableFuture<?> sent) {
            settled = true;
            sent.whenComplete((ignored, error) -> done.complete(null));
        }
    }

    private final ConcurrentHashMap<Object, CompletableFuture<?>> tails = new ConcurrentHashMap<>();

    /** Sends {@code call} once every earlier call on {@code key} is complete; the answer is {@code call}'s. */
    <T> CompletableFuture<T> submit(Object key, Supplier<CompletableFuture<T>> call) {
        return sendIn(reserve(key), call);
    }

    /** Takes the next place on {@code key}; the caller sends its call with {@link #sendIn} or gives it up. */
    Place reserve(Object key) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        CompletableFuture<?>[] previous = new CompletableFuture<?>[1];
        tails.compute(key, (k, tail) -> {
            previous[0] = tail;
            return done;
        });
        done.whenComplete((ignored, error) -> tails.remove(key, done));
        return new Place(previous[0], done);
    }

    /** Sends {@code call} in {@code place} once the call before it has its answer; the answer is {@code call}'s. */
    <T> CompletableFuture<T> sendIn(Place place, Supplier<CompletableFuture<T>> call) {
        CompletableFuture<T> result = new CompletableFuture<>();
        if (place.ready()) {
            send(call, result);
        } else {
            place.before.whenComplete((ignored, error) -> send(call, result));
        }
        place.releaseWith(result);
        return result;
    }

    /**
     * Takes the next place on {@code key} for a call sent some other way (a batch): returns a future that completes
     * when every call issued before on the key is complete (never exceptionally). Calls issued later wait for
     * {@code done} — which the caller must complete once the call it sent has its answer, or at once if it sent
     * nothing — not for the caller's own wait, which may give up before the call was applied.
     */
    CompletableFuture<Void> reserve(Object key, CompletableFuture<?> done) {
        Place place = reserve(key);
        place.releaseWith(done);
        return place.before == null ? CompletableFuture.completedFuture(null)
                : place.before.handle((v, e) -> null);
    }

    private static <T> void send(Supplier<CompletableFuture<T>> call, CompletableFuture<T> result) {
        CompletableFuture<T> sent;
        try {
            sent = call.get();
        } catch (RuntimeException e) {
            result.completeExceptionally(e);
            return;
        }
        sent.whenComplete((value, error) -> {
            if (error != null) {
                result.completeExceptionally(error);
            } else {
                result.complete(value);
            }
        });
    }
}
