package io.seqtrack.core.port.out;

import io.seqtrack.core.domain.AggregateKey;
import io.seqtrack.core.domain.SequenceStoreException;
import java.time.Duration;

/**
 * What every store's {@link SequenceStore#reset reset} and {@link SequenceStore#delete delete} share (invariant 10): a
 * live claim is revoked — replaced by an operator hold owned by {@link StoreArguments#OPERATOR_OWNER_PREFIX} followed
 * by the revoked claim's expiry, lasting {@link #HOLD_GRACE} beyond it, the fence bumped — and waited out before the
 * action acts. The atomic steps are the store's own; the loop around them is {@link #untilActed}.
 */
public final class OperatorActions {

    /** How long an operator's hold outlasts the claim it revoked, so workers meeting BUSY do not claim first. */
    public static final Duration HOLD_GRACE = Duration.ofSeconds(5);

    /** Revoke, wait, act: a store gives up after this many rounds in which workers claimed the aggregate again. */
    public static final int MAX_ROUNDS = 4;

    /** How a store waits for a revoked claim to expire; tests on virtual time move their clock instead. */
    @FunctionalInterface
    public interface Sleeper {
        void sleep(Duration duration) throws InterruptedException;

        /** {@link Thread#sleep}. */
        static Sleeper threadSleep() {
            return duration -> Thread.sleep(duration.toMillis());
        }
    }

    /** One atomic attempt of the action: {@code 0} once it acted, else how many milliseconds to wait before the next. */
    @FunctionalInterface
    public interface Attempt {
        long waitMillis();
    }

    private OperatorActions() {
    }

    /**
     * Runs {@code attempt} until it acts, sleeping what it asks in between; after {@link #MAX_ROUNDS} rounds that each
     * found a live claim, gives up.
     *
     * @throws SequenceStoreException naming {@code operation} and {@code key} when it gives up or is interrupted while
     *         waiting (the aggregate's last committed is unchanged; a hold left behind expires by itself)
     */
    public static void untilActed(String operation, AggregateKey key, Attempt attempt, Sleeper sleeper) {
        for (int round = 1; ; round++) {
            long wait = attempt.waitMillis();
            if (wait == 0) {
                return;
            }
            if (round == MAX_ROUNDS) {
                throw SequenceStoreException.of(operation, key, new IllegalStateException("the aggregate was claimed "
                        + "again each time a revoked claim expired (" + round + " rounds); its last committed is "
                        + "unchanged — stop the workers processing it, or retry"));
            }
            try {
                sleeper.sleep(Duration.ofMillis(wait));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw SequenceStoreException.of(operation + " (waiting for a revoked claim to expire)", key, e);
            }
        }
    }
}
