package io.seqtrack.processor;

import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * One submitted event, followed to its fate. {@link #accepted()} is what {@link EventProcessor#submit} returns: the
 * first outcome, which may be {@link Outcome#BUFFERED}. {@link #settled()} completes once the fate is final — the
 * event was handled, found a duplicate, parked, skipped, rejected or refused — also for an event that was buffered
 * first and handled later when its gap closed. {@link #acknowledgeable()} is the one a broker adapter waits for.
 *
 * <p>A submission carries what a caller needs to report on its event without bookkeeping of its own: the
 * {@link #event()} as submitted, the caller's {@link #attachment()} (see
 * {@link EventProcessor#submitTracked(Event, Object)}) and, for a rejected event, the {@link #rejectionReason()}.
 */
public interface Submission {

    /** The event as submitted ({@code null} only if {@code null} was submitted, which is rejected). */
    Event event();

    /**
     * What the caller attached with {@link EventProcessor#submitTracked(Event, Object)}; empty if it attached nothing.
     * The default implementation has none.
     */
    default Optional<Object> attachment() {
        return Optional.empty();
    }

    /**
     * Why the processor rejected the event — the message its {@link ProcessorEvent.Rejected} event carries, naming the
     * field. Present once {@link #accepted()} (or, for an event that waited in the buffer first, {@link #settled()})
     * has completed with {@link Outcome#REJECTED}, so a stage of that future can read it; empty for every other
     * outcome. The default implementation has none.
     */
    default Optional<String> rejectionReason() {
        return Optional.empty();
    }

    /**
     * The first outcome: completes as soon as the event is accounted for; exceptionally if the store or buffer could
     * not answer (nothing is known to have happened) or the processor closed first.
     */
    CompletionStage<Outcome> accepted();

    /**
     * The final outcome, never {@link Outcome#BUFFERED}: for a buffered event, how its wait ended (handled when the gap
     * closed, parked, or dropped by gap policy FAIL as {@link Outcome#SKIPPED}). Completes exceptionally when the
     * processor closes before that, or when the event was handed to another worker through a durable buffer and its
     * fate is decided there (then this worker cannot see it; see {@link #acknowledgeable()}).
     */
    CompletionStage<Outcome> settled();

    /**
     * When the broker may forget the event: {@link #accepted()} if the processor's buffer is durable (a buffered or
     * parked event is then safe in it). Otherwise — an in-memory buffer dies with the process — {@link #settled()},
     * except for {@link Outcome#PARKED}: a park in memory is no safer than a buffered event, so it completes only when
     * the park is resolved through this processor's {@code admin()} (replayed: the replay's outcome; skipped:
     * {@link Outcome#SKIPPED}), and exceptionally if the processor closes first — the broker's copy then brings the
     * event back, to be parked again or handled.
     */
    CompletionStage<Outcome> acknowledgeable();
}
