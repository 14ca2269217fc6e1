package io.seqtrack.cli;

import io.seqtrack.core.domain.AggregateKey;
import io.seqtrack.core.port.in.SequenceTracker;
import io.seqtrack.core.port.out.AggregateState;
import io.seqtrack.core.port.out.BufferedEvent;
import io.seqtrack.core.port.out.ParkedEvent;
import io.seqtrack.core.port.out.SkippedRange;
import io.seqtrack.core.registry.DomainRegistration;
import io.seqtrack.core.service.SequenceTrackerService;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code tracker inspect DOMAIN AGGREGATE_ID}: one aggregate's state in a store. */
@Command(name = "inspect", mixinStandardHelpOptions = true,
        description = "Show one aggregate: last committed sequence, current claim, buffered, parked and skipped events.")
final class InspectCommand implements Callable<Integer> {

    @Mixin
    StoreOptions storeOptions;

    @Parameters(index = "0", paramLabel = "DOMAIN")
    String domain;

    @Parameters(index = "1", paramLabel = "AGGREGATE_ID")
    String aggregateId;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        try (StoreOptions.Opened opened = storeOptions.openForAdmin(spec)) {
            AggregateKey key = AggregateKey.of(domain, aggregateId);
            DomainRegistration registration = opened.registry().lookup(domain);
            SequenceTracker tracker = new SequenceTrackerService(opened.registry(), opened.store());
            out.printf("aggregate       %s (mode %s)%n", key, registration.mode());
            if (!registration.mode().usesStore()) {
                out.println("last committed  (not tracked: the domain is disabled)");
                return 0;
            }
            long last = tracker.lastCommitted(key);
            AggregateState state = opened.store().read(key);
            out.printf("last committed  %s%n", last < registration.firstSequence() ? "none" : Long.toString(last));
            out.printf("fencing token   %d%n", state.fencingToken());
            out.printf("claim           %s%n", state.claim()
                    .map(c -> "held by " + c.owner() + " for #" + (c.sequence() - (1 - registration.firstSequence()))
                            + " (token " + c.fencingToken() + ", until " + c.expiresAt() + ")")
                    .orElse("none"));
            out.printf("buffered        %d%n", opened.buffer().pending(key).size());
            for (BufferedEvent e : opened.buffer().pending(key)) {
                out.printf("  #%d  %s %s (since %s)%n", e.sequence(), e.type(), e.eventId(), e.receivedAt());
            }
            out.printf("parked          %d%n", opened.buffer().parked(key).size());
            for (ParkedEvent p : opened.buffer().parked(key)) {
                out.printf("  #%d  %s %s: %s%n", p.sequence(), p.event().type(), p.event().eventId(), p.reason());
            }
            out.printf("skipped ranges  %d%n", tracker.skippedRanges(key).size());
            for (SkippedRange r : tracker.skippedRanges(key)) {
                out.printf("  #%d..#%d at %s: %s%n", r.fromSequence(), r.toSequence(), r.skippedAt(), r.reason());
            }
            return 0;
        }
    }
}
