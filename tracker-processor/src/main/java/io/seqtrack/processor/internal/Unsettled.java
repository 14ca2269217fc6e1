package io.seqtrack.processor.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The admitted submissions whose {@code settled} has not completed, for close() to abandon. One is added on the thread
 * that submits and removed on the one that settles it (usually a lane), once each, in that order. A
 * {@code ConcurrentHashMap} key set did this for an identity hash, a node and a size counter per event, the counter
 * contended by the submitter and every lane (7–11 % of lane samples in {@code ProcessorBenchmark}, about 6 % of the
 * JVM's CPU in the Kafka benchmark). Here each stripe is a doubly linked list under its own lock, the links live in the
 * submission, and nothing is counted; the stripe is drawn at random when the submission is made, so lanes settling
 * different submissions rarely meet on one lock.
 */
final class Unsettled {

    private static final int STRIPES = 16;

    /** One list; its fields and the links of its submissions are guarded by the stripe itself. */
    private static final class Stripe {
        private TrackedSubmission head;
    }

    private final Stripe[] stripes = new Stripe[STRIPES];

    Unsettled() {
        for (int i = 0; i < STRIPES; i++) {
            stripes[i] = new Stripe();
        }
    }

    /** A stripe for a new submission. */
    static int stripeForNew() {
        return ThreadLocalRandom.current().nextInt(STRIPES);
    }

    void add(TrackedSubmission submission) {
        Stripe stripe = stripes[submission.stripe];
        synchronized (stripe) {
            submission.unsettledNext = stripe.head;
            submission.unsettledPrevious = null;
            if (stripe.head != null) {
                stripe.head.unsettledPrevious = submission;
            }
            stripe.head = submission;
        }
    }

    /** Removes {@code submission}, which {@link #add} added (once: a second call finds it unlinked and does nothing). */
    void remove(TrackedSubmission submission) {
        Stripe stripe = stripes[submission.stripe];
        synchronized (stripe) {
            TrackedSubmission previous = submission.unsettledPrevious;
            TrackedSubmission next = submission.unsettledNext;
            if (previous == null && stripe.head != submission) {
                return; // not linked
            }
            if (previous == null) {
                stripe.head = next;
            } else {
                previous.unsettledNext = next;
            }
            if (next != null) {
                next.unsettledPrevious = previous;
            }
            submission.unsettledPrevious = null;
            submission.unsettledNext = null;
        }
    }

    /** The submissions not settled yet, as of each stripe's turn (close() abandons them outside the locks). */
    List<TrackedSubmission> snapshot() {
        List<TrackedSubmission> all = new ArrayList<>();
        for (Stripe stripe : stripes) {
            synchronized (stripe) {
                for (TrackedSubmission s = stripe.head; s != null; s = s.unsettledNext) {
                    all.add(s);
                }
            }
        }
        return all;
    }
}
