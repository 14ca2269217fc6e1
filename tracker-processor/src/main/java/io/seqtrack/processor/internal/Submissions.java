package io.seqtrack.processor.internal;

import io.seqtrack.core.domain.AggregateKey;
import io.seqtrack.processor.Event;
import io.seqtrack.processor.Outcome;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;

/**
 * Admission and the submissions whose fate is still open: the in-flight limit (back-pressure on the caller, never an
 * unbounded queue), the unfinished ones close() must fail, and the buffered ones a later drain settles.
 */
final class Submissions {

    private final Semaphore inFlight;
    private final int maxInFlight;
    private final boolean durableBuffer;
    private final Unsettled unsettled = new Unsettled();
    /**
     * On a buffer that is not durable: submissions answered {@code PARKED} here, by aggregate and sequence. Their park
     * dies with the process, so they are not acknowledgeable until it is resolved here (replayed, skipped) — or never,
     * if the process ends first: then the broker's copy brings the event back.
     */
    private final Map<AggregateKey, Map<Long, List<TrackedSubmission>>> parkedHere = new ConcurrentHashMap<>();
    /** Buffered here and not yet settled, by aggregate and sequence: the drain that handles one settles it. */
    private final Map<AggregateKey, Map<Long, TrackedSubmission>> buffered = new ConcurrentHashMap<>();

    Submissions(int maxInFlight, boolean durableBuffer) {
        this.maxInFlight = maxInFlight;
        this.inFlight = new Semaphore(maxInFlight);
        this.durableBuffer = durableBuffer;
    }

    /**
     * Admission: takes {@code permits} (at most {@code maxInFlight}) in one go, blocking while fewer are free — while
     * {@code maxInFlight} submissions are not accepted yet, for one.
     */
    void acquire(int permits) throws InterruptedException {
        inFlight.acquire(permits);
    }

    /** A submission for a permit {@link #acquire} took. */
    TrackedSubmission admitted(Event event, Object attachment) {
        // the bookkeeping runs inside the completing call, before the caller's stages: a callback of the caller that
        // reads snapshot() sees this submission finished
        TrackedSubmission submission = new TrackedSubmission(event, attachment, durableBuffer, this);
        unsettled.add(submission);
        return submission;
    }

    int maxInFlight() {
        return maxInFlight;
    }

    /** An admitted submission's {@code accepted} is completing: its permit goes back. */
    void acceptedDone() {
        inFlight.release();
    }

    /** An admitted submission's {@code settled} is completing: close() need not abandon it any more. */
    void settledDone(TrackedSubmission submission) {
        unsettled.remove(submission);
    }

    int inFlight() {
        return maxInFlight - inFlight.availablePermits();
    }

    /** Remembers a submission answered BUFFERED, so that whoever drains it here settles it. */
    void buffered(AggregateKey key, long sequence, TrackedSubmission submission) {
        if (!submission.settled.isDone()) {
            TrackedSubmission first = buffered.computeIfAbsent(key, k -> new ConcurrentHashMap<>())
                    .putIfAbsent(sequence, submission);
            if (first != null && first != submission) {
                // a redelivered copy of an event buffered already: it settles as the first one does — and if that is
                // PARKED on a buffer that is not durable, it waits for the park's resolution with it (review finding)
                first.settled.whenComplete((outcome, error) -> {
                    if (error != null) {
                        submission.abandon(error);
                    } else {
                        if (outcome == Outcome.PARKED) {
                            parkedHere(key, sequence, submission);
                        }
                        submission.finish(outcome);
                    }
                });
            }
        }
    }

    /** The submission buffered here for {@code (key, sequence)}, handed over to a drain; or a detached one. */
    TrackedSubmission takeBuffered(AggregateKey key, long sequence, Event event) {
        Map<Long, TrackedSubmission> perKey = buffered.get(key);
        TrackedSubmission submission = perKey == null ? null : perKey.remove(sequence);
        if (perKey != null && perKey.isEmpty()) {
            buffered.remove(key, perKey);
        }
        return submission != null ? submission : TrackedSubmission.detached(event, null);
    }

    /** The attachment of the submission buffered here for {@code (key, sequence)}, or null (none, or not ours). */
    Object bufferedAttachment(AggregateKey key, long sequence) {
        Map<Long, TrackedSubmission> perKey = buffered.get(key);
        TrackedSubmission submission = perKey == null ? null : perKey.get(sequence);
        return submission == null ? null : submission.attachment().orElse(null);
    }

    /** A buffered event left the buffer without a drain (parked behind, dropped by FAIL): settle its submission. */
    void settleBuffered(AggregateKey key, long sequence, Outcome outcome) {
        Map<Long, TrackedSubmission> perKey = buffered.get(key);
        TrackedSubmission submission = perKey == null ? null : perKey.remove(sequence);
        if (submission != null) {
            if (outcome == Outcome.PARKED) {
                parkedHere(key, sequence, submission);
            }
            submission.finish(outcome);
        }
    }

    /** {@code submission} is being answered {@code PARKED}: on a buffer that is not durable, remember it (above). */
    void parkedHere(AggregateKey key, long sequence, TrackedSubmission submission) {
        if (!durableBuffer && submission.acknowledgementWaitsForPark()) {
            parkedHere.computeIfAbsent(key, k -> new ConcurrentHashMap<>())
                    .computeIfAbsent(sequence, s -> new java.util.concurrent.CopyOnWriteArrayList<>()).add(submission);
        }
    }

    /** Whether submissions of {@code key} wait here for a park's resolution (never on a durable buffer). */
    boolean waitsOnParks(AggregateKey key) {
        return parkedHere.containsKey(key);
    }

    /**
     * The parks of {@code key} at or below {@code last} left the parked list without this processor (a
     * {@code StoreAdmin} or another processor on the same buffer replayed or skipped them): the store has moved past
     * them, so their submissions may be acknowledged, as {@code DUPLICATE}.
     */
    void parksPassed(AggregateKey key, long last) {
        Map<Long, List<TrackedSubmission>> perKey = parkedHere.get(key);
        if (perKey != null) {
            for (Long sequence : List.copyOf(perKey.keySet())) {
                if (sequence <= last) {
                    parkResolved(key, sequence, Outcome.DUPLICATE);
                }
            }
        }
    }

    /** The park of {@code (key, sequence)} is resolved here: its submissions may be acknowledged with {@code outcome}. */
    void parkResolved(AggregateKey key, long sequence, Outcome outcome) {
        Map<Long, List<TrackedSubmission>> perKey = parkedHere.get(key);
        List<TrackedSubmission> submissions = perKey == null ? null : perKey.remove(sequence);
        if (perKey != null && perKey.isEmpty()) {
            parkedHere.remove(key, perKey);
        }
        if (submissions != null) {
            submissions.forEach(s -> s.parkResolved(outcome));
        }
    }

    /** Close: whatever is still open would wait forever — say so, so callers do not ack and the broker redelivers. */
    void abandonAll() {
        IllegalStateException closed = new IllegalStateException(
                "the processor was closed before this event's fate was known; it was not committed by this worker");
        for (TrackedSubmission submission : unsettled.snapshot()) {
            submission.abandon(closed);
        }
        IllegalStateException parkLost = new IllegalStateException("the processor was closed while this event was "
                + "parked in a buffer that is not durable; the park is lost with the process: do not acknowledge it");
        parkedHere.values().forEach(perKey -> perKey.values().forEach(list -> list.forEach(s -> s.abandon(parkLost))));
        parkedHere.clear();
        buffered.clear();
    }
}
