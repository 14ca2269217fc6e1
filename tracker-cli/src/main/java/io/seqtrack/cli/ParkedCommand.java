package io.seqtrack.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.seqtrack.core.domain.AggregateKey;
import io.seqtrack.core.port.out.ParkedEvent;
import io.seqtrack.core.registry.DomainRegistration;
import io.seqtrack.processor.Outcome;
import io.seqtrack.processor.ProcessorEvent;
import io.seqtrack.processor.StoreAdmin;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code tracker parked list | replay | skip}: the processor's admin API from the shell. */
@Command(name = "parked", mixinStandardHelpOptions = true, description = "List, replay or skip parked events.",
        subcommands = {ParkedCommand.ListParked.class, ParkedCommand.ReplayParked.class, ParkedCommand.SkipParked.class})
final class ParkedCommand {

    @Command(name = "list", mixinStandardHelpOptions = true, description = "Parked events per aggregate, in order.")
    static final class ListParked implements Callable<Integer> {
        @Mixin
        StoreOptions storeOptions;

        @Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            try (StoreOptions.Opened opened = storeOptions.openForAdmin(spec)) {
                int total = 0;
                for (AggregateKey key : opened.buffer().parkedAggregates()) {
                    List<ParkedEvent> parked = opened.buffer().parked(key);
                    if (parked.isEmpty()) {
                        continue;
                    }
                    out.printf("%s: %d parked%n", key, parked.size());
                    for (ParkedEvent p : parked) {
                        out.printf("  #%d  %s %s  parked %s: %s%n", p.sequence(), p.event().type(), p.event().eventId(),
                                p.parkedAt(), p.reason());
                        total++;
                    }
                }
                out.printf("%d parked event(s)%n", total);
                return 0;
            }
        }
    }

    @Command(name = "replay", mixinStandardHelpOptions = true,
            description = "Unblock an aggregate and run its parked events again, in order. Handled events are written "
                    + "as JSON lines (to --processed, or standard output).")
    static final class ReplayParked implements Callable<Integer> {
        @Mixin
        StoreOptions storeOptions;

        @Parameters(index = "0", paramLabel = "DOMAIN")
        String domain;

        @Parameters(index = "1", paramLabel = "AGGREGATE_ID")
        String aggregateId;

        @Option(names = "--processed", paramLabel = "OUT.jsonl", description = "where handled events go")
        Path processed;

        @Option(names = "--overwrite", description = "replace --processed if it exists and is not empty")
        boolean overwrite;

        @Option(names = "--worker-id", paramLabel = "ID", defaultValue = "tracker-admin")
        String workerId;

        @Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            try {
                new OutputPaths().input("--domains", storeOptions.domains).output("--processed", processed)
                        .overwrite(overwrite).check();
            } catch (OutputPaths.Refused e) {
                throw new ParameterException(spec.commandLine(), e.getMessage());
            }
            try (StoreOptions.Opened opened = storeOptions.openForAdmin(spec);
                    JsonLines sink = JsonLines.toFileOr("--processed", processed, overwrite, out)) {
                AggregateKey key = AggregateKey.of(domain, aggregateId);
                DomainRegistration registration = opened.registry().lookup(domain);
                String field = registration.sequenceSource().field();
                StoreAdmin admin = StoreAdmin.over(opened.registry(), opened.store(), opened.buffer())
                        .listener(e -> {
                            if (e instanceof ProcessorEvent.AdminAction a) {
                                spec.commandLine().getErr().printf("audit: %s %s %s%n", a.action(), a.key(), a.detail());
                            }
                        })
                        .build();
                List<Outcome> outcomes = admin.replayParked(key, workerId, (event, ctx) -> {
                    ObjectNode json = EventJson.toJson(key, new io.seqtrack.core.port.out.BufferedEvent(
                            ctx.sequence(), event.eventId(), event.type(), event.payload(),
                            java.time.Instant.now()), field);
                    json.put("workerId", ctx.workerId());
                    json.put("handledAt", JsonLines.nowMicros());
                    sink.write(json);
                });
                spec.commandLine().getErr().printf("%s: replayed %d parked event(s): %s%n", key, outcomes.size(),
                        outcomes);
                return outcomes.contains(Outcome.PARKED) ? 1 : 0;
            }
        }
    }

    @Command(name = "skip", mixinStandardHelpOptions = true,
            description = "Drop one parked event without handling it; the skip is recorded.")
    static final class SkipParked implements Callable<Integer> {
        @Mixin
        StoreOptions storeOptions;

        @Parameters(index = "0", paramLabel = "DOMAIN")
        String domain;

        @Parameters(index = "1", paramLabel = "AGGREGATE_ID")
        String aggregateId;

        @Parameters(index = "2", paramLabel = "SEQUENCE")
        long sequence;

        @Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            try (StoreOptions.Opened opened = storeOptions.openForAdmin(spec)) {
                AggregateKey key = AggregateKey.of(domain, aggregateId);
                boolean wasParked = opened.buffer().parked(key).stream().anyMatch(p -> p.sequence() == sequence);
                if (!wasParked) {
                    spec.commandLine().getErr().printf("tracker: %s has no parked event #%d%n", key, sequence);
                    return 1;
                }
                StoreAdmin.over(opened.registry(), opened.store(), opened.buffer()).build().skipParked(key, sequence);
                spec.commandLine().getOut().printf("%s: skipped parked #%d%n", key, sequence);
                return 0;
            }
        }
    }

}
