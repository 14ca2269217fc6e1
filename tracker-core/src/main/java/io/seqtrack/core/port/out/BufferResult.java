package io.seqtrack.core.port.out;

/** The answer of {@link EventBuffer#add}. */
public enum BufferResult {
    /** The event is now held. */
    ADDED,
    /** An event with this sequence was already held; nothing changed. */
    ALREADY_BUFFERED,
    /** The aggregate holds its maximum of pending events; nothing was added and nothing was evicted. */
    FULL
}
