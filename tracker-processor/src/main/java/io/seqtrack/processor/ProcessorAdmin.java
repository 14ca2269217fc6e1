package io.seqtrack.processor;

import io.seqtrack.core.domain.AggregateKey;
import io.seqtrack.core.port.out.ParkedEvent;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;

/**
 * Operator actions on parked aggregates. Every action is announced to the listeners as a
 * {@link ProcessorEvent.AdminAction}, so it is audited wherever the listeners write.
 */
public interface ProcessorAdmin {

    /** Parked events per aggregate, in sequence order. */
    Map<AggregateKey, List<ParkedEvent>> parked();

    /**
     * Unblocks the aggregate and runs its parked events again, in order, through claim → handle → commit.
     *
     * @return the outcome per parked event, in order; an event that fails again is parked again
     */
    CompletionStage<List<Outcome>> replayParked(AggregateKey key);

    /**
     * Drops one parked event without handling it. If it is the next sequence the aggregate waits for, the store
     * advances over it and the skip is recorded; the aggregate is unblocked when nothing stays parked.
     */
    CompletionStage<Void> skipParked(AggregateKey key, long sequence);

    /** Sets the aggregate's last committed sequence (domain numbering). Use while nothing processes it. */
    CompletionStage<Void> reset(AggregateKey key, long last);
}
