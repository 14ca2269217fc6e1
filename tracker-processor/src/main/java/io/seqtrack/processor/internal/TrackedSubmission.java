package io.seqtrack.processor.internal;

import io.seqtrack.processor.Event;
import io.seqtrack.processor.Outcome;
import io.seqtrack.processor.Submission;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * A submission's two futures. Only a lane completes them, through {@link #finish} and {@link #fail}; the caller gets
 * stages that complete after the processor's own bookkeeping (see {@link Submissions}).
 */
final class TrackedSubmission implements Submission {

    private final Event event;
    private final boolean durableBuffer;
    final CompletableFuture<Outcome> accepted = new CompletableFuture<>();
    final CompletableFuture<Outcome> settled = new CompletableFuture<>();
    /** What the caller sees: completes after the in-flight permit was returned. */
    private volatile CompletionStage<Outcome> acceptedView = accepted;
    private volatile CompletionStage<Outcome> settledView = settled;

    TrackedSubmission(Event event, boolean durableBuffer) {
        this.event = event;
        this.durableBuffer = durableBuffer;
    }

    /** A submission nobody outside follows: buffered events drained without a known submitter, replays. */
    static TrackedSubmission detached(Event event) {
        return new TrackedSubmission(event, false);
    }

    void views(CompletionStage<Outcome> accepted, CompletionStage<Outcome> settled) {
        this.acceptedView = accepted;
        this.settledView = settled;
    }

    /** The event's outcome: the first one accepts it, every outcome but BUFFERED also settles it. */
    void finish(Outcome outcome) {
        accepted.complete(outcome);
        if (outcome != Outcome.BUFFERED) {
            settled.complete(outcome);
        }
    }

    /**
     * Nothing is known to have happened to the event. Before it was accepted, both futures fail: the broker must
     * redeliver. After it was buffered, a failure only means this attempt to drain it failed: it stays buffered and
     * its fate is still open.
     */
    void fail(Throwable error) {
        if (accepted.completeExceptionally(error)) {
            settled.completeExceptionally(error);
        }
    }

    /** The processor closed (or handed the event on) before its fate was known. */
    void abandon(Throwable error) {
        accepted.completeExceptionally(error);
        settled.completeExceptionally(error);
    }

    @Override
    public Event event() {
        return event;
    }

    @Override
    public CompletionStage<Outcome> accepted() {
        return acceptedView;
    }

    @Override
    public CompletionStage<Outcome> settled() {
        return settledView;
    }

    @Override
    public CompletionStage<Outcome> acknowledgeable() {
        return durableBuffer ? acceptedView : settledView;
    }
}
