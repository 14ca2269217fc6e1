package io.seqtrack.processor.internal;

import io.seqtrack.core.domain.SequenceTrackingException;
import io.seqtrack.core.port.in.ClaimDecision;
import io.seqtrack.core.port.out.RenewResult;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the leases of a lane's running batch: every half lease (the shortest of the batch's domains) one
 * {@code renewAll} extends the claims still held, by token — renewal never claims again, so a worker paused past its
 * lease cannot win a claim back after another worker claimed in between; a {@code CLAIM_LOST} claim is dropped (its
 * commit will tell). One timer per lane, armed when a batch starts and none is pending, and re-armed for the running
 * batch's own due time when it fires — not a timer per event.
 *
 * <p>{@link #stop} and a renewal exclude each other, so once {@code stop} returns no renewal is in progress or will
 * run for that batch before its commit.
 */
final class LeaseRenewer implements Runnable {

    private static final Logger log = LoggerFactory.getLogger(LeaseRenewer.class);

    /** The claims of one running batch and when they are next due; guarded by the renewer. */
    static final class Held {
        final List<ClaimDecision> claims;
        final long everyMillis;
        long dueMillis;

        Held(List<ClaimDecision> claims, long everyMillis, long dueMillis) {
            this.claims = claims;
            this.everyMillis = everyMillis;
            this.dueMillis = dueMillis;
        }
    }

    private final Shared shared;
    /** The running batch, or null; guarded by this. */
    private Held current;
    /** Whether a timer is pending; guarded by this. */
    private boolean armed;
    /** When the pending timer fires; guarded by this. */
    private long armedDueMillis;
    /** Stamps each timer: only the latest one armed acts (an earlier one is superseded); guarded by this. */
    private long generation;

    LeaseRenewer(Shared shared) {
        this.shared = shared;
    }

    /** Registers the batch about to run; returns the one it interrupts (only virtual-time tests nest). */
    synchronized Held start(List<ClaimDecision> claims) {
        Held outer = current;
        List<ClaimDecision> tracked = new ArrayList<>(claims.size());
        long every = Long.MAX_VALUE;
        for (ClaimDecision claim : claims) {
            if (claim.mode().usesStore()) {
                tracked.add(claim);
                // half the lease; not Duration.dividedBy, which divides through BigDecimal (-prof stack: 4 % of samples)
                every = Math.min(every, shared.registry.lookup(claim.key().domain()).leaseTtl().toMillis() / 2);
            }
        }
        if (tracked.isEmpty()) {
            current = null;
            return outer;
        }
        every = Math.max(1, every);
        current = new Held(tracked, every, shared.scheduler.deadlineMillis() + every);
        if (!armed || current.dueMillis < armedDueMillis) { // a pending timer for a longer lease would fire too late
            arm(every);
        }
        return outer;
    }

    synchronized void stop(Held outer) {
        current = outer;
    }

    /** The timer fired (off lane): renew the running batch's leases if due, and re-arm while one runs. */
    @Override
    public synchronized void run() {
        fire(generation);
    }

    private synchronized void fire(long stamp) {
        if (stamp != generation) { // superseded by a timer armed for an earlier due time
            return;
        }
        armed = false;
        Held held = current;
        if (held == null || held.claims.isEmpty()) { // (a handler still running after close() keeps its lease)
            return;
        }
        long now = shared.scheduler.deadlineMillis();
        if (now < held.dueMillis) { // armed for an earlier batch: wait for this one's due time
            arm(held.dueMillis - now);
            return;
        }
        try {
            List<RenewResult> renewed = shared.tracker.renewAll(held.claims);
            for (int i = renewed.size() - 1; i >= 0; i--) {
                if (renewed.get(i) == RenewResult.CLAIM_LOST) {
                    held.claims.remove(i); // fenced, released or committed meanwhile: the commit will tell
                }
            }
        } catch (SequenceTrackingException e) {
            log.warn("seqtrack: lease renewal of {} claim(s) failed: {}", held.claims.size(), e.getMessage());
        }
        held.dueMillis = now + held.everyMillis;
        arm(held.everyMillis);
    }

    private void arm(long delayMillis) {
        long stamp = ++generation;
        try {
            shared.scheduler.scheduleOffLane(Duration.ofMillis(delayMillis), () -> fire(stamp));
            armed = true;
            armedDueMillis = shared.scheduler.deadlineMillis() + delayMillis;
        } catch (RuntimeException e) { // the scheduler is closing: nothing will renew any more
            armed = false;
        }
    }
}
