package io.seqtrack.processor;

/**
 * Receives every {@link ProcessorEvent}. Called on the processor's lane threads: return quickly and never throw (a
 * throwing listener is logged and ignored).
 */
@FunctionalInterface
public interface ProcessorListener {
    void on(ProcessorEvent event);
}
