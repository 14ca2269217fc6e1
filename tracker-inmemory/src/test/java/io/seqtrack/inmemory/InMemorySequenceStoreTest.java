package io.seqtrack.inmemory;

import io.seqtrack.core.port.out.SequenceStore;
import io.seqtrack.tck.ManualClock;
import io.seqtrack.tck.SequenceStoreContract;
import java.time.Duration;

/** The in-memory store against the full adapter contract. */
class InMemorySequenceStoreTest extends SequenceStoreContract {

    private final ManualClock clock = ManualClock.startingAtEpochOf2026();

    @Override
    protected SequenceStore createStore() {
        return InMemorySequenceStore.builder().clock(clock).sleeper(this::sleepOnStoreClock).build();
    }

    @Override
    protected io.seqtrack.core.port.out.EventBuffer createBufferFor(SequenceStore store) {
        return InMemoryEventBuffer.create();
    }

    @Override
    protected void advanceStoreClock(Duration duration) {
        clock.advance(duration);
    }
}
