package io.seqtrack.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.util.Optional;

/**
 * What one {@code tracker replay} run did, counted by this process.
 *
 * @param interrupted the run was stopped early (Ctrl-C, SIGTERM): the counts cover what was read until then
 * @param received    non-blank lines read from the events file
 * @param processed   events handled and committed by this process (the lines of {@code --processed})
 * @param duplicates  events already committed when they arrived
 * @param reordered   of {@code processed}, the events handled after waiting in the buffer for a predecessor
 * @param buffered    events that arrived early and were buffered
 * @param parked      events parked (the lines of {@code --parked}): by gap policy PARK, or behind a parked event
 * @param skippedGaps missing ranges the gap policy SKIP advanced over
 * @param dropped     buffered events the gap policy FAIL dropped
 * @param bufferFull  events the processor refused because the buffer was full (the run then fails)
 * @param rejected    lines that were not valid events (the lines of {@code --rejected})
 * @param failure     why the run failed, if it did
 */
record ReplaySummary(String eventsFile, String store, String workerId, boolean interrupted, long received, long processed,
        long duplicates, long reordered, long buffered, long parked, long skippedGaps, long dropped, long bufferFull,
        long rejected, Optional<String> failure) {

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
        return json;
    }

    /** The few lines a person reads after a replay. */
    void print(PrintWriter out, long elapsedMillis) {
        out.printf("replay of %s on %s as %s: %s in %d ms%n", eventsFile, store, workerId,
                !succeeded() ? "FAILED" : interrupted ? "INTERRUPTED" : "done", elapsedMillis);
        out.printf("  received      %6d line(s)%n", received);
        out.printf("  processed     %6d  (%d reordered: handled after waiting for a predecessor)%n", processed,
                reordered);
        out.printf("  duplicates    %6d  (already committed, not handled again)%n", duplicates);
        out.printf("  buffered      %6d  (arrived early)%n", buffered);
        out.printf("  parked        %6d  (blocked until an operator acts: tracker parked list)%n", parked);
        out.printf("  skipped gaps  %6d  (missing ranges advanced over by gap policy skip)%n", skippedGaps);
        out.printf("  dropped       %6d  (buffered events dropped by gap policy fail)%n", dropped);
        if (bufferFull > 0) {
            out.printf("  buffer full   %6d  (refused, not handled)%n", bufferFull);
        }
        out.printf("  rejected      %6d  (not valid events)%n", rejected);
        out.flush();
    }
}
