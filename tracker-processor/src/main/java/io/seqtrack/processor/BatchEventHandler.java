package io.seqtrack.processor;

import java.util.List;

/**
 * The application's code for a whole lane batch at once, so that a projection can write one database transaction per
 * batch. A batch holds events of distinct aggregates, each the next in its aggregate's order, each claimed; they are
 * committed together after {@link #handle} returns.
 *
 * <p>Throwing fails the whole batch: nothing of it is committed. A failed batch of more than one event is split, and
 * each of its events is handled again in a batch of its own (under the same claim, attempt unchanged), so one poison
 * event cannot drag the others into retries or parking. A failing batch of one is retried per the domain's retry
 * policy and then parked, exactly as with {@link EventHandler}. The same idempotence advice applies: pass each
 * context's {@link HandlerContext#fencingToken()} to downstream writes.
 */
@FunctionalInterface
public interface BatchEventHandler {

    void handle(List<Call> batch) throws Exception;

    /** One event of the batch with its handler context. */
    record Call(Event event, HandlerContext context) {
    }
}
