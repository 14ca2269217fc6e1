package io.seqtrack.cli;

import io.seqtrack.core.port.out.SkippedRange;
import java.util.List;

/**
 * The end state of a simulation run as the verifier sees it: per aggregate what the handler was given and what the
 * store and buffer hold, plus the run's totals. Built by the simulate command after the processor went quiet; tests
 * build (and tamper with) their own.
 *
 * @param aggregates        per aggregate, indexed like the plan
 * @param submitted         deliveries submitted to the processor
 * @param finished          submissions whose outcome arrived
 * @param duplicatesSkipped copies the processor recognised as duplicates
 * @param errors            what the processor reported going wrong (parked, rejected, failed submissions, …)
 * @param unfinishedWork    why the run did not come to rest, or null if it did
 */
record SimulationObservation(List<Aggregate> aggregates, long submitted, long finished, long duplicatesSkipped,
        List<String> errors, String unfinishedWork) {

    SimulationObservation {
        aggregates = List.copyOf(aggregates);
        errors = List.copyOf(errors);
    }

    /**
     * One aggregate at the end of the run.
     *
     * @param handled       offsets (from the first sequence) the handler was given, in handling order
     * @param skipped       the skipped ranges the buffer recorded (domain numbering)
     * @param pending       events still pending in the buffer
     * @param parked        events parked in the buffer
     * @param lastCommitted the store's last committed sequence (domain numbering; firstSequence - 1 = none)
     */
    record Aggregate(int[] handled, List<SkippedRange> skipped, int pending, int parked, long lastCommitted) {
        Aggregate {
            handled = handled.clone();
            skipped = List.copyOf(skipped);
        }

        @Override
        public int[] handled() {
            return handled.clone();
        }
    }
}
