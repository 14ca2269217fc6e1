package io.seqtrack.processor.internal;

import io.seqtrack.processor.ProcessorEvent;
import io.seqtrack.processor.ProcessorListener;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Tells the listeners; a listener that throws is logged and never disturbs processing. */
final class Emitter {

    private static final Logger log = LoggerFactory.getLogger(Emitter.class);

    private final List<ProcessorListener> listeners;
    private final Clock clock;

    Emitter(List<ProcessorListener> listeners, Clock clock) {
        this.listeners = List.copyOf(listeners);
        this.clock = clock;
    }

    /** Whether anyone listens: without listeners the hot path builds no {@link ProcessorEvent}s at all. */
    boolean observed() {
        return !listeners.isEmpty();
    }

    Instant now() {
        return clock.instant();
    }

    void emit(ProcessorEvent event) {
        for (ProcessorListener listener : listeners) {
            try {
                listener.on(event);
            } catch (RuntimeException e) {
                log.warn("seqtrack: listener {} failed on {}: {}", listener, event, e.toString());
            }
        }
    }
}
