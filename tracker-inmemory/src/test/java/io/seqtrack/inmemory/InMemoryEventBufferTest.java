package io.seqtrack.inmemory;

import io.seqtrack.core.port.out.EventBuffer;
import io.seqtrack.tck.EventBufferContract;

/** The in-memory buffer against the full buffer contract. */
class InMemoryEventBufferTest extends EventBufferContract {

    @Override
    protected EventBuffer createBuffer() {
        return InMemoryEventBuffer.create();
    }
}
