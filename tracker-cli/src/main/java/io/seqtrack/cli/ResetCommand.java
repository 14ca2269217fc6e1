package io.seqtrack.cli;

import io.seqtrack.core.domain.AggregateKey;
import io.seqtrack.core.registry.DomainRegistration;
import io.seqtrack.core.service.SequenceTrackerService;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code tracker reset DOMAIN AGGREGATE_ID LAST}: operator repair of the last committed sequence. */
@Command(name = "reset", mixinStandardHelpOptions = true,
        description = {"Set an aggregate's last committed sequence.",
            "If a worker holds an unexpired claim on it, the claim is revoked at once and the reset waits until it has "
                + "expired (at most the worker's lease) before acting: until then that worker may still answer "
                + "duplicates from its own view of the aggregate."})
final class ResetCommand implements Callable<Integer> {

    @Mixin
    StoreOptions storeOptions;

    @Parameters(index = "0", paramLabel = "DOMAIN")
    String domain;

    @Parameters(index = "1", paramLabel = "AGGREGATE_ID")
    String aggregateId;

    @Parameters(index = "2", paramLabel = "LAST", description = "the new last committed sequence (first-1 = none)")
    long last;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        try (StoreOptions.Opened opened = storeOptions.openForAdmin(spec)) {
            AggregateKey key = AggregateKey.of(domain, aggregateId);
            DomainRegistration registration = opened.registry().lookup(domain);
            long lowest = registration.firstSequence() - 1;
            if (last < lowest) {
                throw new ParameterException(spec.commandLine(), "LAST must be at least " + lowest + " (nothing "
                        + "committed) for domain '" + domain + "', whose first sequence is "
                        + registration.firstSequence() + "; was " + last);
            }
            opened.store().read(key).claim().ifPresent(claim -> spec.commandLine().getErr().printf(
                    "tracker: %s is claimed by %s (sequence %d) until %s: revoking the claim and waiting until it "
                            + "has expired before resetting%n", key, claim.owner(), claim.sequence(), claim.expiresAt()));
            new SequenceTrackerService(opened.registry(), opened.store()).reset(key, last);
            spec.commandLine().getOut().printf("%s: last committed set to %d%n", key, last);
            return 0;
        }
    }
}
