package io.seqtrack.processor.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.seqtrack.processor.Event;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CyclicBarrier;
import org.junit.jupiter.api.Test;

class UnsettledTest {

    private static TrackedSubmission submission(int i) {
        return TrackedSubmission.detached(Event.of("e" + i, "user_account", "a" + i, 1, "", new byte[0]), null);
    }

    /** Random adds and removes (heads, middles, tails, removes twice) against a plain identity set. */
    @Test
    void holdsExactlyWhatWasAddedAndNotRemoved() {
        Random random = new Random(42);
        Unsettled unsettled = new Unsettled();
        Set<TrackedSubmission> expected = Collections.newSetFromMap(new IdentityHashMap<>());
        List<TrackedSubmission> everAdded = new ArrayList<>();
        for (int step = 0; step < 20_000; step++) {
            if (everAdded.isEmpty() || random.nextInt(3) > 0) {
                TrackedSubmission s = submission(step);
                unsettled.add(s);
                expected.add(s);
                everAdded.add(s);
            } else {
                TrackedSubmission s = everAdded.get(random.nextInt(everAdded.size()));
                unsettled.remove(s); // possibly a second time: then nothing changes
                expected.remove(s);
            }
            if (step % 1_000 == 0) {
                assertThat(unsettled.snapshot()).containsExactlyInAnyOrderElementsOf(expected);
            }
        }
        assertThat(unsettled.snapshot()).containsExactlyInAnyOrderElementsOf(expected);
    }

    /** One thread adds, others remove what it handed them, at once: nothing lost, nothing left over. */
    @Test
    void concurrentAddsAndRemovesLeaveExactlyTheUnremoved() throws Exception {
        Unsettled unsettled = new Unsettled();
        int threads = 4;
        int perThread = 20_000;
        List<List<TrackedSubmission>> handed = new ArrayList<>();
        List<TrackedSubmission> kept = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            List<TrackedSubmission> mine = new ArrayList<>();
            for (int i = 0; i < perThread; i++) {
                TrackedSubmission s = submission(t * perThread + i);
                unsettled.add(s);
                if (i % 10 == 0) {
                    kept.add(s);
                } else {
                    mine.add(s);
                }
            }
            handed.add(mine);
        }
        CyclicBarrier start = new CyclicBarrier(threads + 1);
        List<Thread> workers = new ArrayList<>();
        List<TrackedSubmission> addedMeanwhile = Collections.synchronizedList(new ArrayList<>());
        for (int t = 0; t < threads; t++) {
            List<TrackedSubmission> mine = handed.get(t);
            Thread worker = new Thread(() -> {
                await(start);
                mine.forEach(unsettled::remove);
            });
            workers.add(worker);
            worker.start();
        }
        await(start);
        for (int i = 0; i < perThread; i++) { // the submitter keeps adding while the lanes remove
            TrackedSubmission s = submission(-i - 1);
            unsettled.add(s);
            addedMeanwhile.add(s);
        }
        for (Thread worker : workers) {
            worker.join();
        }
        List<TrackedSubmission> left = new ArrayList<>(kept);
        left.addAll(addedMeanwhile);
        assertThat(unsettled.snapshot()).hasSize(left.size()).containsExactlyInAnyOrderElementsOf(left);
    }

    private static void await(CyclicBarrier barrier) {
        try {
            barrier.await();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
