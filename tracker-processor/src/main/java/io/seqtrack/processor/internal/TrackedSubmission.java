package io.seqtrack.processor.internal;

import io.seqtrack.processor.Event;
import io.seqtrack.processor.Outcome;
import io.seqtrack.processor.Submission;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * A submission's two futures. Only a lane completes them, through {@link #finish} and {@link #fail} (and close, through
 * {@link #abandon}). The processor's bookkeeping for a future — the in-flight permit for {@code accepted}, the set of
 * unsettled submissions for {@code settled} — runs exactly once, inside the call that completes the future and before
 * any of the caller's stages run, so a callback that reads {@code snapshot()} sees this submission finished. (It was a
 * {@code whenComplete} stage per future: two extra futures and two dependents per event, about a tenth of the
 * processor's allocation in {@code ProcessorBenchmark}.)
 */
final class TrackedSubmission implements Submission {

    private final Event event;
    private final Object attachment;
    private final boolean durableBuffer;
    /** Whose bookkeeping its futures run, or null for a detached submission. */
    private final Submissions owner;
    /** Set before the outcome REJECTED completes a future, so the caller's stages read it. */
    private volatile String rejectionReason;
    final Future accepted = new Future(true);
    final Future settled = new Future(false);
    /**
     * {@link #acknowledgeable()} on a buffer that is not durable: {@code settled}, except that {@code PARKED} waits
     * until the park is resolved in this processor ({@link #parkResolved}): a park in memory is lost with the process,
     * so the broker's copy must stay. Null on a durable buffer ({@code accepted} is acknowledgeable there).
     */
    private final CompletableFuture<Outcome> acknowledged;
    /** Its stripe of {@link Unsettled}, and its links there (guarded by that stripe). */
    final int stripe = Unsettled.stripeForNew();
    TrackedSubmission unsettledPrevious;
    TrackedSubmission unsettledNext;

    TrackedSubmission(Event event, Object attachment, boolean durableBuffer, Submissions owner) {
        this.event = event;
        this.attachment = attachment;
        this.durableBuffer = durableBuffer;
        this.owner = owner;
        this.acknowledged = durableBuffer ? null : new CompletableFuture<>();
    }

    /**
     * A submission no admission took a permit for: a rejected or interrupted submission (with the caller's
     * attachment), or one nobody outside follows (buffered events drained without a known submitter, replays).
     */
    static TrackedSubmission detached(Event event, Object attachment) {
        return new TrackedSubmission(event, attachment, false, null);
    }

    /** Records why the event is rejected; the lane then finishes it with {@link Outcome#REJECTED}. */
    void rejectedBecause(String reason) {
        this.rejectionReason = reason;
    }

    /** The event's outcome: the first one accepts it, every outcome but BUFFERED also settles it. */
    void finish(Outcome outcome) {
        accepted.complete(outcome);
        if (outcome != Outcome.BUFFERED) {
            settled.complete(outcome);
            if (acknowledged != null && outcome != Outcome.PARKED) {
                acknowledged.complete(outcome);
            }
        }
    }

    /** Whether a PARKED answer leaves this submission unacknowledgeable until the park is resolved (see above). */
    boolean acknowledgementWaitsForPark() {
        return acknowledged != null && owner != null && !acknowledged.isDone();
    }

    /** The event parked for this submission left the parked list with {@code outcome} (replayed, skipped). */
    void parkResolved(Outcome outcome) {
        acknowledged.complete(outcome);
    }

    /**
     * Nothing is known to have happened to the event. Before it was accepted, both futures fail: the broker must
     * redeliver. After it was buffered, a failure only means this attempt to drain it failed: it stays buffered and
     * its fate is still open.
     */
    void fail(Throwable error) {
        if (accepted.completeExceptionally(error)) {
            settled.completeExceptionally(error);
            if (acknowledged != null) {
                acknowledged.completeExceptionally(error);
            }
        }
    }

    /** The processor closed (or handed the event on) before its fate was known. */
    void abandon(Throwable error) {
        accepted.completeExceptionally(error);
        settled.completeExceptionally(error);
        if (acknowledged != null) {
            acknowledged.completeExceptionally(error);
        }
    }

    @Override
    public Event event() {
        return event;
    }

    @Override
    public Optional<Object> attachment() {
        return Optional.ofNullable(attachment);
    }

    @Override
    public Optional<String> rejectionReason() {
        return Optional.ofNullable(rejectionReason);
    }

    @Override
    public CompletionStage<Outcome> accepted() {
        return accepted;
    }

    @Override
    public CompletionStage<Outcome> settled() {
        return settled;
    }

    @Override
    public CompletionStage<Outcome> acknowledgeable() {
        return durableBuffer ? accepted : acknowledged;
    }

    /**
     * A future that runs the processor's bookkeeping once, before it completes, whoever completes it — the lane, close(),
     * or a caller that completes or cancels the future it was given (the permit is then returned early; never twice, and
     * never not at all). The first completion attempt wins: it alone does the bookkeeping and then completes.
     */
    final class Future extends CompletableFuture<Outcome> {
        private static final VarHandle CLAIMED;

        static {
            try {
                CLAIMED = MethodHandles.lookup().findVarHandle(Future.class, "claimed", boolean.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        private final boolean acceptance;
        @SuppressWarnings("unused") // through CLAIMED
        private volatile boolean claimed;

        Future(boolean acceptance) {
            this.acceptance = acceptance;
        }

        private boolean first() {
            if (isDone() || !CLAIMED.compareAndSet(this, false, true)) {
                return false;
            }
            if (owner != null) {
                if (acceptance) {
                    owner.acceptedDone();
                } else {
                    owner.settledDone(TrackedSubmission.this);
                }
            }
            return true;
        }

        @Override
        public boolean complete(Outcome value) {
            return first() && super.complete(value);
        }

        @Override
        public boolean completeExceptionally(Throwable error) {
            return first() && super.completeExceptionally(error);
        }

        @Override
        public boolean cancel(boolean mayInterruptIfRunning) {
            return first() && super.cancel(mayInterruptIfRunning);
        }

        /** Stages made from it are plain futures: they carry none of this one's bookkeeping. */
        @Override
        public <U> CompletableFuture<U> newIncompleteFuture() {
            return new CompletableFuture<>();
        }
    }
}
