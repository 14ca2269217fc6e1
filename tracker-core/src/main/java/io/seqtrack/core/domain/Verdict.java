package io.seqtrack.core.domain;

/** The classification of one event's sequence against the aggregate's last committed sequence. */
public enum Verdict {
    /** The event is the next one: handle it, then commit. */
    IN_ORDER,
    /** The sequence was already committed: skip the event, never hand it to the handler. */
    DUPLICATE,
    /** The event is early; at least one predecessor is missing: buffer it until the gap fills or the gap policy decides. */
    GAP
}
