package io.seqtrack.torture;

import io.seqtrack.torture.HistoryChecker.Figures;
import io.seqtrack.torture.TorturePlan.Aggregate;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** Sizes and helpers shared by the torture test classes. Scale with {@code -Dtorture.aggregates/events/seed}. */
final class TortureScenarios {

    static final int AGGREGATES = Integer.getInteger("torture.aggregates", 24);
    static final int EVENTS = Integer.getInteger("torture.events", 20);
    static final long SEED = Long.getLong("torture.seed", 20261127L);
    static final double DUPLICATE_RATE = 0.1;
    static final double HANDLER_FAILURE_RATE = 0.05;
    static final Duration SETTLE = Duration.ofSeconds(120);
    /** Every worker's processors with sticky ownership ({@code -Dtorture.sticky=true}); a scenario may ask for it. */
    static final boolean STICKY = Boolean.getBoolean("torture.sticky");

    private TortureScenarios() {
    }

    static TorturePlan plan(long salt) {
        return TorturePlan.generate(SEED + salt, AGGREGATES, EVENTS, DUPLICATE_RATE);
    }

    /** An aggregate without a permanent gap, for a slow handler a test can catch mid-run. */
    static Aggregate trapAggregate(TorturePlan plan) {
        return plan.aggregates().values().stream().filter(a -> a.missing() == 0).findFirst().orElseThrow();
    }

    /** The strict verdict: nothing committed twice, nothing out of order, nothing lost, every delivery accounted. */
    static void assertClean(Figures figures) {
        assertThat(figures.violations()).as("violations").isEmpty();
        assertThat(figures.committed() + figures.skipped() + figures.parked())
                .as("committed + skipped + parked").isGreaterThan(0);
    }
}
