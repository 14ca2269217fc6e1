package io.seqtrack.processor.internal;

import java.util.ArrayDeque;
import java.util.Iterator;

/**
 * One aggregate's submissions not yet run, in arrival order, and which of them runs next: the lowest sequence among the
 * first {@value #REORDER_WINDOW} queued, not simply the oldest. Events reordered on their way here (n + 1 before n) are
 * thus put back in order while both wait in the lane, and the early one never goes through the buffer and its round
 * trips. The scan is bounded, so a hot aggregate's long queue costs nothing extra.
 *
 * <p>The queue counts its <em>inversions</em> — neighbours whose sequences go down — so that while there are none (the
 * usual case: a producer keyed by aggregate delivers in order) the next one is simply the head, without the scan over
 * the queued events (about a sixth of a lane's time in {@code ProcessorBenchmark} at 500 aggregates). Which event is
 * taken is exactly what the scan would take. Lane-confined, like the {@link AggregateState} that holds it.
 */
final class AggregateQueue implements Iterable<Work> {

    /** How many of an aggregate's queued events are looked at to find the lowest sequence. */
    static final int REORDER_WINDOW = 16;

    private final ArrayDeque<Work> queue = new ArrayDeque<>(2); // most aggregates hold one or two: not 16 slots
    /** How many neighbouring pairs (a, b) in the queue have {@code b.sequence() < a.sequence()}. */
    private int inversions;

    void add(Work work) {
        Work last = queue.peekLast();
        if (last != null && descends(last, work)) {
            inversions++;
        }
        queue.addLast(work);
    }

    /** The next work to run (see the class comment), removed; null if the queue is empty. */
    Work takeNext() {
        Work first = queue.peekFirst();
        if (first == null || inversions == 0 || queue.size() == 1 || !first.tracked()) {
            return poll(); // in order: the head is the lowest
        }
        Work lowest = first;
        int scanned = 0;
        for (Work candidate : queue) {
            if (++scanned > REORDER_WINDOW) {
                break;
            }
            if (candidate.sequence() < lowest.sequence()) {
                lowest = candidate;
            }
        }
        if (lowest == first) {
            return poll();
        }
        Work before = null;
        for (Iterator<Work> it = queue.iterator(); it.hasNext(); ) {
            Work candidate = it.next();
            if (candidate == lowest) { // by identity: two submissions of one event are two works
                it.remove();
                Work after = it.hasNext() ? it.next() : null;
                // the pairs (before, lowest) and (lowest, after) become (before, after); before exists: lowest != first
                inversions -= count(before, lowest) + count(lowest, after);
                inversions += count(before, after);
                return lowest;
            }
            before = candidate;
        }
        throw new IllegalStateException("the lowest queued work vanished from its queue");
    }

    /** The head, removed, or null: in arrival order, whatever the sequences (failing what waits, untracked domains). */
    Work poll() {
        Work head = queue.pollFirst();
        if (head != null) {
            inversions -= count(head, queue.peekFirst());
        }
        return head;
    }

    int size() {
        return queue.size();
    }

    boolean isEmpty() {
        return queue.isEmpty();
    }

    /** In arrival order (the next to run is not necessarily the first). */
    @Override
    public Iterator<Work> iterator() {
        return queue.iterator();
    }

    /** Test hook: the inversion count the queue keeps. */
    int inversions() {
        return inversions;
    }

    private static boolean descends(Work earlier, Work later) {
        return later.sequence() < earlier.sequence();
    }

    private static int count(Work earlier, Work later) {
        return later != null && descends(earlier, later) ? 1 : 0;
    }
}
