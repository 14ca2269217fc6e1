package io.seqtrack.processor.internal;

import io.seqtrack.core.domain.AggregateKey;
import java.util.HashMap;
import java.util.Map;

/**
 * The states of the aggregates that have something going on in one lane (lane-confined, no I/O). An idle state holds
 * nothing the store does not know, so it is dropped as soon as a batch leaves it idle ({@link #forgetIfIdle}); states
 * that go idle elsewhere (a gap closed by a timer, an unblock) are swept when the map outgrows {@link #sweepAt}. Not an
 * access-ordered map: with 100 000 aggregates its per-access relinking and its eviction churn cost about a sixth of a
 * lane's time (JFR, ProcessorBenchmark in memory), and it kept tens of thousands of states alive for nothing.
 */
final class LaneStates {

    /** How many states a lane keeps before it sweeps the idle ones. */
    private static final int STATES_PER_LANE = 50_000;

    private final Map<AggregateKey, AggregateState> states;
    /** The size at which the next run sweeps idle states out of {@link #states}. */
    private int sweepAt = STATES_PER_LANE;

    LaneStates(int table) {
        this.states = new HashMap<>(table);
    }

    AggregateState get(AggregateKey key) {
        AggregateState state = states.get(key);
        if (state == null) {
            state = new AggregateState(key);
            states.put(key, state);
        }
        return state;
    }

    /**
     * Drops a state that holds nothing any more. Only where no caller still holds it: at the end of a batch, and in the
     * sweep at the start of a run.
     */
    void forgetIfIdle(AggregateState state) {
        if (state.idle()) {
            states.remove(state.key);
        }
    }

    /** The backstop for states that went idle outside a batch: swept once the map outgrows {@link #sweepAt}. */
    void sweepIfLarge() {
        if (states.size() < sweepAt) {
            return;
        }
        states.values().removeIf(AggregateState::idle);
        sweepAt = Math.max(STATES_PER_LANE, 2 * states.size()); // amortised: the busy states alone never sweep per run
    }

    int size() {
        return states.size();
    }
}
