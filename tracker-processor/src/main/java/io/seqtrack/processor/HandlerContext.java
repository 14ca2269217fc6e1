package io.seqtrack.processor;

import io.seqtrack.core.domain.AggregateKey;
import io.seqtrack.core.registry.DomainRegistration;
import java.util.Optional;

/** What a handler knows about the run it is in. */
public interface HandlerContext {

    AggregateKey key();

    DomainRegistration domain();

    /** The event's sequence in the domain's numbering ({@code 0} for an unsequenced event of a disabled domain). */
    long sequence();

    /**
     * The current fencing token (it changes when a long handler's lease is renewed). Downstream stores that keep the
     * highest token they saw per aggregate and reject lower ones make a fenced worker's late writes harmless.
     * {@code 0} in a disabled domain.
     */
    long fencingToken();

    /** 1 for the first run, 2 for the first retry, … */
    int attempt();

    String workerId();

    /**
     * The attachment the caller gave {@link EventProcessor#submitTracked(Event, Object)} with this event — also when
     * the event waited in the buffer and is handled when its gap closes. Empty when there is none: submitted without
     * one, buffered by another worker or before a restart, or replayed by an operator. The default implementation has
     * none.
     */
    default Optional<Object> attachment() {
        return Optional.empty();
    }
}
