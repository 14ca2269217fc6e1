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
 */
final class PerKeyOrder {

    private final ConcurrentHashMap<Object, CompletableFuture<?>> tails = new ConcurrentHashMap<>();

    /** Sends {@code call} once every earlier call on {@code key} is complete; the answer is {@code call}'s. */
    <T> CompletableFuture<T> submit(Object key, Supplier<CompletableFuture<T>> call) {
        CompletableFuture<T> result = new CompletableFuture<>();
        CompletableFuture<?>[] previous = new CompletableFuture<?>[1];
        tails.compute(key, (k, tail) -> {
            previous[0] = tail;
            return result;
        });
        if (previous[0] == null || previous[0].isDone()) {
            send(call, result);
        } else {
            previous[0].whenComplete((ignored, error) -> send(call, result));
        }
        result.whenComplete((ignored, error) -> tails.remove(key, result));
        return result;
    }

    /**
     * Takes the next place on {@code key} for a call sent some other way (a batch): returns a future that completes
     * when every call issued before on the key is complete (never exceptionally). Calls issued later wait for
     * {@code done} — which the caller must complete once the call it sent has its answer, or at once if it sent
     * nothing — not for the caller's own wait, which may give up before the call was applied.
     */
    CompletableFuture<Void> reserve(Object key, CompletableFuture<?> done) {
        CompletableFuture<?>[] previous = new CompletableFuture<?>[1];
        tails.compute(key, (k, tail) -> {
            previous[0] = tail;
            return done;
        });
        done.whenComplete((ignored, error) -> tails.remove(key, done));
        return previous[0] == null ? CompletableFuture.completedFuture(null) : previous[0].handle((v, e) -> null);
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
