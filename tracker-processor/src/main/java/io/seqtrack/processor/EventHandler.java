package io.seqtrack.processor;

/**
 * The application's code: handles one event. Called one event at a time per aggregate, in sequence order. Throwing
 * means "not handled": the claim is released and the event retried per the domain's retry policy, then parked.
 *
 * <p>The handler may run more than once for one event (a crash after its effect but before the commit, or a paused
 * worker fenced by a successor). Make it idempotent, or pass {@link HandlerContext#fencingToken()} to downstream
 * writes so they reject a fenced worker.
 */
@FunctionalInterface
public interface EventHandler {
    void handle(Event event, HandlerContext context) throws Exception;
}
