package io.seqtrack.processor.internal;

import io.seqtrack.core.domain.InvalidEventException;
import io.seqtrack.core.domain.SequenceTrackingException;
import io.seqtrack.core.domain.UnknownDomainException;
import io.seqtrack.processor.Outcome;
import io.seqtrack.processor.ProcessorEvent;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How a step turns what went wrong with one work into that work's {@link Result}: an invalid event is rejected, a store
 * or buffer that could not answer fails it closed, anything else fails it — never the rest of the batch.
 */
final class Faults {

    /** Step's logger: these are the step's messages. */
    private static final Logger log = LoggerFactory.getLogger(Step.class);

    private final Shared shared;

    Faults(Shared shared) {
        this.shared = shared;
    }

    /** Runs a follow-up action for one work; a store failure or a bug in it fails that work only. */
    Result guarded(Work work, Supplier<Result> action) {
        try {
            return action.get();
        } catch (InvalidEventException | UnknownDomainException e) {
            return rejected(work, e);
        } catch (SequenceTrackingException e) {
            return failClosed(work, e);
        } catch (RuntimeException | Error e) {
            log.error("seqtrack: {} #{} failed unexpectedly", work.key(), work.sequence(), e);
            return Result.failed(work, e);
        }
    }

    Result rejected(Work work, RuntimeException e) {
        shared.emitter.emit(new ProcessorEvent.Rejected(work.key(), shared.now(), e.getMessage(), work.event(),
                work.submission().attachment()));
        work.submission().rejectedBecause(e.getMessage());
        return Result.finished(work, Outcome.REJECTED);
    }

    /** The store or buffer could not answer: nothing is known to have happened — fail, never guess. */
    Result failClosed(Work work, SequenceTrackingException e) {
        log.warn("seqtrack: {} #{} failed closed: {}", work.key(), work.sequence(), e.getMessage());
        shared.storeFailed();
        return Result.failed(work, e);
    }
}
