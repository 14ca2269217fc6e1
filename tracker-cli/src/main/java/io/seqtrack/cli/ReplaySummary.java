package io.seqtrack.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.seqtrack.cli.LineLedger.Fate;
import java.io.PrintWriter;
import java.util.Map;
import java.util.Optional;

/**
 * What one {@code tracker replay} run did, counted by this process.
 *
 * <p>{@code lines} balances: every received line is counted once, at its final fate, so its counts add up to
 * {@code received} (see {@link LineLedger} and docs/cli.md). The other counts are about events, as the processor saw
 * them: on a store shared with other replays this process may handle events another process read (drained from the
 * shared buffer), so {@code processed} can exceed {@code lines.processed}.
 *
 * @param interrupted the run was stopped early (Ctrl-C, SIGTERM): the counts cover what was read until then
 * @param received    non-blank lines read from the events file
 * @param processed   events handled and committed by this process (the lines of {@code --processed})
 * @param duplicates  lines for events already committed, or already waiting in the buffer, when they arrived
 * @param reordered   of {@code processed}, the events handled after waiting in the buffer for a predecessor
 * @param buffered    events that arrived early and were buffered (a second copy of one is a duplicate)
 * @param parked      events parked (the lines of {@code --parked}): by gap policy PARK, or behind a parked event
 * @param skippedGaps missing ranges the gap policy SKIP advanced over
 * @param dropped     buffered events the gap policy FAIL dropped
 * @param bufferFull  events the processor refused because the buffer was full (the run then fails)
 * @param rejected    lines that were not valid events (the lines of {@code --rejected})
 * @param lines       each received line's final fate; the counts add up to {@code received}
 * @param failure     why the run failed, if it did
 */
record ReplaySummary(String eventsFile, String store, String workerId, boolean interrupted, long received, long processed,
        long duplicates, long reordered, long buffered, long parked, long skippedGaps, long dropped, long bufferFull,
        long rejected, Map<Fate, Long> lines, Optional<String> failure) {

    /** The sum of {@link #lines}: equal to {@link #received} (the identity docs/cli.md states). */
    long linesAccountedFor() {
        return lines.values().stream().mapToLong(Long::longValue).sum();
    }

    boolean succeeded() {
        return failure.isEmpty();
    }

    /** {@code completed}, {@code interrupted} or {@code failed} (a failure wins over an interruption). */
    String status() {
        return !succeeded() ? "failed" : interrupted ? "interrupted" : "completed";
    }

    ObjectNode toJson() {
        ObjectNode json = EventJson.MAPPER.createObjectNode();
        json.put("status", status());
        failure.ifPresent(f -> json.put("error", f));
        json.put("events", eventsFile);
        json.put("store", store);
        json.put("workerId", workerId);
        json.put("received", received);
        json.put("processed", processed);
        json.put("duplicates", duplicates);
        json.put("reordered", reordered);
        json.put("buffered", buffered);
        json.put("parked", parked);
        json.put("skippedGaps", skippedGaps);
        json.put("dropped", dropped);
        json.put("bufferFull", bufferFull);
        json.put("rejected", rejected);
        json.set("lines", LineLedger.toJson(lines));
        return json;
    }

    /** The few lines a person reads after a replay: each received line once, by what became of it. */
    void print(PrintWriter out, long elapsedMillis) {
        out.printf("replay of %s on %s as %s: %s in %d ms%n", eventsFile, store, workerId,
                !succeeded() ? "FAILED" : interrupted ? "INTERRUPTED" : "done", elapsedMillis);
        out.printf("  received      %6d line(s), each counted once below by what became of it%n", received);
        out.printf("  processed     %6d  handled and committed (%d after waiting for a predecessor)%n",
                line(Fate.PROCESSED), reordered);
        out.printf("  duplicate     %6d  already committed or already waiting: not handled again%n",
                line(Fate.DUPLICATE));
        out.printf("  parked        %6d  blocked until an operator acts: tracker parked list%n", line(Fate.PARKED));
        out.printf("  skipped       %6d  given up by the gap policy (skip: came after its gap was skipped; "
                + "fail: dropped)%n", line(Fate.SKIPPED));
        out.printf("  rejected      %6d  not valid events: see --rejected%n", line(Fate.REJECTED));
        out.printf("  buffered      %6d  still waiting for a predecessor when the run ended%n", line(Fate.BUFFERED));
        optional(out, Fate.ELSEWHERE, "taken over    %6d  buffered here, then handled or parked by another worker");
        optional(out, Fate.REFUSED, "refused       %6d  the buffer was full: not handled");
        optional(out, Fate.UNFINISHED, "unfinished    %6d  no outcome when the run ended");
        if (skippedGaps > 0 || dropped > 0) {
            out.printf("  gaps          %6d skipped over (policy skip), %d buffered event(s) dropped (policy fail)%n",
                    skippedGaps, dropped);
        }
        long forOthers = processed - line(Fate.PROCESSED);
        if (forOthers > 0) {
            out.printf("  also handled  %6d  event(s) read by another worker, from the shared buffer%n", forOthers);
        }
        out.flush();
    }

    private long line(Fate fate) {
        return lines.getOrDefault(fate, 0L);
    }

    /** A fate that only some runs have (another worker, a full buffer, an interruption): printed when it happened. */
    private void optional(PrintWriter out, Fate fate, String format) {
        if (line(fate) > 0 || (fate == Fate.UNFINISHED && interrupted)) {
            out.printf("  " + format + "%n", line(fate));
        }
    }
}
