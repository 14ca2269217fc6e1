package io.seqtrack.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.seqtrack.core.domain.AggregateKey;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Where each line a replay received ended up: every line is counted once, at its final {@link Fate}, so the fates
 * add up to the lines received (docs/cli.md, "The summary balances").
 *
 * <p>Most lines get their fate from their own outcome. A line whose outcome is {@code BUFFERED} waits here, per
 * event, until the processor says what became of the event — handled after its predecessor, parked, or dropped by
 * gap policy FAIL. On real threads that notice can come before the line's own outcome (the lane that drained the
 * event may run ahead of the thread that reads the outcome), so a notice for an event no line waits for is kept for
 * the line that will come. A second line for an event that is or was waiting is a duplicate. What still waits when
 * the run ends is looked up in the buffer: still there, parked there, or gone (another worker sharing the buffer took
 * it). Thread-safe; every method is short and synchronized.
 */
final class LineLedger {

    /** The final category of one received line. */
    enum Fate {
        /** Handled and committed by this run (directly, or after waiting in the buffer for a predecessor). */
        PROCESSED("processed"),
        /** Already committed when it arrived, or a second copy of an event waiting in the buffer: not handled again. */
        DUPLICATE("duplicate"),
        /** Parked (gap policy PARK, a failing handler, or behind a parked event). */
        PARKED("parked"),
        /** Given up by a gap policy: arrived after SKIP advanced over its sequence, or dropped from the buffer by FAIL. */
        SKIPPED("skipped"),
        /** Not a valid event. */
        REJECTED("rejected"),
        /** Refused because the buffer was full (the run fails). */
        REFUSED("refused"),
        /** Waiting in the buffer when the run ended. */
        BUFFERED("buffered"),
        /** Buffered here, then taken out of the shared buffer by another worker (handled, parked or dropped there). */
        ELSEWHERE("takenByOtherWorker"),
        /** Submitted, but without an outcome when the run ended (interrupted, or the store failed). */
        UNFINISHED("unfinished");

        final String field;

        Fate(String field) {
            this.field = field;
        }
    }

    /** One event that a line was buffered for, or that a notice arrived for first. */
    private static final class Slot {
        /** A line waits here for the event's fate. */
        boolean lineWaiting;
        /** A line was given the event's fate already: a later buffered copy is a duplicate. */
        boolean lineCounted;
        /** The fate the processor announced before any line waited for it. */
        Fate announced;
    }

    /** One event of a tracked domain, in the domain's numbering. */
    record EventRef(String domain, String aggregateId, long sequence) {
        static EventRef of(AggregateKey key, long sequence) {
            return new EventRef(key.domain(), key.aggregateId(), sequence);
        }

        AggregateKey key() {
            return AggregateKey.of(domain, aggregateId);
        }
    }

    private final Map<Fate, Long> counts = new EnumMap<>(Fate.class);
    private final Map<EventRef, Slot> slots = new HashMap<>();
    /** Ranges gap policy SKIP advanced over in this run, per aggregate: a line for one of them arrived too late. */
    private final Map<AggregateKey, List<long[]>> skipped = new HashMap<>();

    /** A line whose own outcome is final. */
    synchronized void settled(Fate fate) {
        add(fate);
    }

    /**
     * A line answered {@code DUPLICATE}: skipped if its sequence was advanced over by gap policy SKIP in this run
     * (it came too late, it was never handled), else a duplicate.
     */
    synchronized void duplicate(EventRef ref) {
        add(inSkippedRange(ref) ? Fate.SKIPPED : Fate.DUPLICATE);
    }

    /**
     * A line answered {@code BUFFERED}.
     *
     * @return whether it is the first line buffered for its event (not a copy of one waiting or already settled)
     */
    synchronized boolean buffered(EventRef ref) {
        Slot slot = slots.computeIfAbsent(ref, r -> new Slot());
        if (slot.lineWaiting || slot.lineCounted) {
            add(Fate.DUPLICATE);
            return false;
        }
        if (slot.announced != null) {
            settle(ref, slot, slot.announced);
        } else {
            slot.lineWaiting = true;
        }
        return true;
    }

    /** The processor says what became of a buffered event: handled, parked, or dropped (skipped). */
    synchronized void resolved(EventRef ref, Fate fate) {
        Slot slot = slots.computeIfAbsent(ref, r -> new Slot());
        if (slot.lineWaiting) {
            slot.lineWaiting = false;
            settle(ref, slot, fate);
        } else if (!slot.lineCounted) {
            slot.announced = fate; // the line's BUFFERED outcome is still on its way (or another worker buffered it)
        }
    }

    /** The event was parked directly (its own outcome): a notice kept for it is not waiting for a line. */
    synchronized void forgetAnnouncement(EventRef ref) {
        Slot slot = slots.get(ref);
        if (slot != null && !slot.lineWaiting && !slot.lineCounted) {
            slots.remove(ref);
        }
    }

    /** Gap policy SKIP advanced over {@code from..to} of {@code key}. */
    synchronized void skippedRange(AggregateKey key, long from, long to) {
        skipped.computeIfAbsent(key, k -> new ArrayList<>()).add(new long[] {from, to});
    }

    /**
     * The end of the run: every line still waiting gets the fate {@code whereNow} finds for its event (still buffered,
     * parked, or taken by another worker). Call once, when no notice can arrive any more.
     */
    synchronized void close(Function<EventRef, Fate> whereNow) {
        for (Map.Entry<EventRef, Slot> entry : slots.entrySet()) {
            if (entry.getValue().lineWaiting) {
                entry.getValue().lineWaiting = false;
                settle(entry.getKey(), entry.getValue(), whereNow.apply(entry.getKey()));
            }
        }
    }

    /** The count of each fate; {@code unanswered} lines (submitted, never answered) count as unfinished. */
    synchronized Map<Fate, Long> counts(long unanswered) {
        Map<Fate, Long> result = new EnumMap<>(Fate.class);
        for (Fate fate : Fate.values()) {
            result.put(fate, counts.getOrDefault(fate, 0L));
        }
        result.merge(Fate.UNFINISHED, unanswered, Long::sum);
        return result;
    }

    /** The counts as the summary's {@code lines} object, every fate present. */
    static ObjectNode toJson(Map<Fate, Long> counts) {
        ObjectNode json = EventJson.MAPPER.createObjectNode();
        for (Fate fate : Fate.values()) {
            json.put(fate.field, counts.getOrDefault(fate, 0L));
        }
        return json;
    }

    private void settle(EventRef ref, Slot slot, Fate fate) {
        slot.lineCounted = fate != Fate.SKIPPED; // a dropped event may arrive again: then it is buffered anew
        slot.announced = null;
        if (!slot.lineCounted) {
            slots.remove(ref);
        }
        add(fate);
    }

    private boolean inSkippedRange(EventRef ref) {
        List<long[]> ranges = skipped.get(ref.key());
        if (ranges == null) {
            return false;
        }
        for (long[] range : ranges) {
            if (ref.sequence() >= range[0] && ref.sequence() <= range[1]) {
                return true;
            }
        }
        return false;
    }

    private void add(Fate fate) {
        counts.merge(fate, 1L, Long::sum);
    }
}
