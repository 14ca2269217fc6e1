package io.seqtrack.processor.internal;

import io.seqtrack.core.domain.AggregateKey;
import io.seqtrack.core.port.in.ClaimDecision;
import io.seqtrack.core.registry.DomainRegistration;
import io.seqtrack.processor.BatchEventHandler;
import io.seqtrack.processor.EventHandler;
import io.seqtrack.processor.HandlerContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.MDC;

/**
 * Runs the application's handler for claimed works — one call per event, or one call per batch — under lease renewal,
 * and reports each run as a value. The last check before a handler starts is the lifecycle's: a handler starts only if
 * it passed that check before close() returned.
 */
final class HandlerInvoker {

    /**
     * How one event's handler run ended: {@code refused} (closed before it started), {@code stale} (its claim could no
     * longer be trusted when the handler was due: not started), failed with {@code error}, or ok, in {@code nanos}
     * (measured only while listeners observe the processor: two clock reads per event otherwise wasted, a twentieth
     * of a lane's CPU in {@code KafkaAdapterBenchmark}'s profile).
     */
    record Run(Throwable error, boolean refused, boolean stale, long nanos) {
        static final Run REFUSED = new Run(null, true, false, 0);
        static final Run STALE = new Run(null, false, true, 0);

        Run(Throwable error, boolean refused, long nanos) {
            this(error, refused, false, nanos);
        }
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

    /**
     * @param deadlines per work, until when (scheduler clock, ms) its claim may be trusted: a handler due later does
     *                  not start ({@link Run#STALE})
     */
    List<Run> invoke(List<Work> works, List<ClaimDecision> claims, List<Long> deadlines) {
        LeaseRenewer.Held outer = renewer.start(claims);
        try {
            return batchHandler != null ? invokeBatch(works, claims, deadlines) : invokeEach(works, claims, deadlines);
        } finally {
            renewer.stop(outer); // whatever the handlers threw, they must not keep renewing their leases
        }
    }

    private List<Run> invokeEach(List<Work> works, List<ClaimDecision> claims, List<Long> deadlines) {
        List<Run> runs = new ArrayList<>(works.size());
        boolean timed = shared.emitter.observed(); // the time is only told to listeners (Processed)
        for (int i = 0; i < works.size(); i++) {
            Work work = works.get(i);
            if (!shared.lifecycle.admit()) {
                runs.add(Run.REFUSED);
                continue;
            }
            if (stale(work, deadlines.get(i))) {
                runs.add(Run.STALE);
                continue;
            }
            long started = timed ? System.nanoTime() : 0;
            try {
                MDC.put("seqtrack.aggregate", work.key().toString());
                handler.handle(work.event(), context(work, claims.get(i)));
                runs.add(new Run(null, false, timed ? System.nanoTime() - started : 0));
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
    private List<Run> invokeBatch(List<Work> works, List<ClaimDecision> claims, List<Long> deadlines) {
        Run[] runs = new Run[works.size()];
        List<BatchEventHandler.Call> calls = new ArrayList<>(works.size());
        List<Integer> positions = new ArrayList<>(works.size());
        for (int i = 0; i < works.size(); i++) {
            if (stale(works.get(i), deadlines.get(i))) {
                runs[i] = Run.STALE;
                continue;
            }
            calls.add(new BatchEventHandler.Call(works.get(i).event(), context(works.get(i), claims.get(i))));
            positions.add(i);
        }
        if (calls.isEmpty()) {
            return List.of(runs);
        }
        Run whole = call(calls);
        if (whole.error() == null || calls.size() == 1) {
            for (int p : positions) {
                runs[p] = whole.refused() || whole.error() != null ? whole
                        : new Run(null, false, whole.nanos() / calls.size());
            }
            return List.of(runs);
        }
        for (int c = 0; c < calls.size(); c++) {
            runs[positions.get(c)] = call(List.of(calls.get(c)));
        }
        return List.of(runs);
    }

    private boolean stale(Work work, long deadlineMillis) {
        return work.tracked() && shared.scheduler.deadlineMillis() >= deadlineMillis;
    }

    private Run call(List<BatchEventHandler.Call> calls) {
        if (!shared.lifecycle.admit()) {
            return Run.REFUSED;
        }
        boolean timed = shared.emitter.observed();
        long started = timed ? System.nanoTime() : 0;
        try {
            batchHandler.handle(List.copyOf(calls));
            return new Run(null, false, timed ? System.nanoTime() - started : 0);
        } catch (Exception | LinkageError | StackOverflowError e) {
            return new Run(e, false, 0);
        }
    }

    private HandlerContext context(Work work, ClaimDecision claim) {
        return new Context(work.key(), work.registration(), claim.sequence(), claim.fencingToken(), work.attempt(),
                shared.settings.workerId(), work.submission().attachment());
    }

    /** The handler's view; renewal keeps the claim's token, so it is the same for the whole run. */
    private record Context(AggregateKey key, DomainRegistration domain, long sequence, long fencingToken, int attempt,
            String workerId, Optional<Object> attachment) implements HandlerContext {
    }
}
