package io.seqtrack.processor.internal;

import io.seqtrack.core.domain.AggregateKey;
import io.seqtrack.core.port.in.ClaimDecision;
import io.seqtrack.core.registry.DomainRegistration;
import io.seqtrack.processor.BatchEventHandler;
import io.seqtrack.processor.EventHandler;
import io.seqtrack.processor.HandlerContext;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.MDC;

/**
 * Runs the application's handler for claimed works — one call per event, or one call per batch — under lease renewal,
 * and reports each run as a value. The last check before a handler starts is the lifecycle's: a handler starts only if
 * it passed that check before close() returned.
 */
final class HandlerInvoker {

    /** How one event's handler run ended: {@code refused} (closed before it started), failed with {@code error}, or ok. */
    record Run(Throwable error, boolean refused, long nanos) {
        static final Run REFUSED = new Run(null, true, 0);
    }

    private final Shared shared;
    private final LeaseRenewer renewer;
    private final EventHandler handler;
    private final BatchEventHandler batchHandler;

    HandlerInvoker(Shared shared, LeaseRenewer renewer) {
        this.shared = shared;
        this.renewer = renewer;
        this.handler = shared.settings.handler();
        this.batchHandler = shared.settings.batchHandler();
    }

    List<Run> invoke(List<Work> works, List<ClaimDecision> claims) {
        LeaseRenewer.Held outer = renewer.start(claims);
        try {
            return batchHandler != null ? invokeBatch(works, claims) : invokeEach(works, claims);
        } finally {
            renewer.stop(outer); // whatever the handlers threw, they must not keep renewing their leases
        }
    }

    private List<Run> invokeEach(List<Work> works, List<ClaimDecision> claims) {
        List<Run> runs = new ArrayList<>(works.size());
        for (int i = 0; i < works.size(); i++) {
            Work work = works.get(i);
            if (!shared.lifecycle.admit()) {
                runs.add(Run.REFUSED);
                continue;
            }
            long started = System.nanoTime();
            try {
                MDC.put("seqtrack.aggregate", work.key().toString());
                handler.handle(work.event(), context(work, claims.get(i)));
                runs.add(new Run(null, false, System.nanoTime() - started));
            } catch (Exception | LinkageError | StackOverflowError e) {
                runs.add(new Run(e, false, 0));
            } finally {
                MDC.remove("seqtrack.aggregate");
            }
        }
        return runs;
    }

    /**
     * One call for the batch; if it fails and holds more than one event, each event again in a batch of its own (same
     * claims, attempt unchanged), so that only the events that fail alone go on to retries and parking.
     */
    private List<Run> invokeBatch(List<Work> works, List<ClaimDecision> claims) {
        List<BatchEventHandler.Call> calls = new ArrayList<>(works.size());
        for (int i = 0; i < works.size(); i++) {
            calls.add(new BatchEventHandler.Call(works.get(i).event(), context(works.get(i), claims.get(i))));
        }
        Run whole = call(calls);
        if (whole.error() == null || works.size() == 1) {
            List<Run> runs = new ArrayList<>(works.size());
            for (int i = 0; i < works.size(); i++) {
                runs.add(whole.refused() || whole.error() != null ? whole
                        : new Run(null, false, whole.nanos() / works.size()));
            }
            return runs;
        }
        List<Run> runs = new ArrayList<>(works.size());
        for (BatchEventHandler.Call c : calls) {
            runs.add(call(List.of(c)));
        }
        return runs;
    }

    private Run call(List<BatchEventHandler.Call> calls) {
        if (!shared.lifecycle.admit()) {
            return Run.REFUSED;
        }
        long started = System.nanoTime();
        try {
            batchHandler.handle(List.copyOf(calls));
            return new Run(null, false, System.nanoTime() - started);
        } catch (Exception | LinkageError | StackOverflowError e) {
            return new Run(e, false, 0);
        }
    }

    private HandlerContext context(Work work, ClaimDecision claim) {
        return new Context(work.key(), work.registration(), claim.sequence(), claim.fencingToken(), work.attempt(),
                shared.settings.workerId());
    }

    /** The handler's view; renewal keeps the claim's token, so it is the same for the whole run. */
    private record Context(AggregateKey key, DomainRegistration domain, long sequence, long fencingToken, int attempt,
            String workerId) implements HandlerContext {
    }
}
