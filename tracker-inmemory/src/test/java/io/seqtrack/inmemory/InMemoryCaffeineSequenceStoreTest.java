package io.seqtrack.inmemory;

import io.seqtrack.core.port.out.SequenceStore;
import io.seqtrack.tck.ManualClock;
import io.seqtrack.tck.SequenceStoreContract;
import java.time.Duration;

/**
 * The contract again, on the Caffeine-backed map (statistics and a long retention on): the store uses Caffeine only
 * when one of them is configured, so both maps must pass.
 */
class InMemoryCaffeineSequenceStoreTest extends SequenceStoreContract {

    private final ManualClock clock = ManualClock.startingAtEpochOf2026();

    @Override
    protected SequenceStore createStore() {
        return InMemorySequenceStore.builder().clock(clock).sleeper(this::sleepOnStoreClock).recordStats().expireAfterAccess(Duration.ofDays(30)).build();
    }

    @Override
    protected void advanceStoreClock(Duration duration) {
        clock.advance(duration);
    }
}
