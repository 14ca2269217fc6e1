package io.seqtrack.tck;

import static org.assertj.core.api.Assertions.assertThat;

import io.seqtrack.core.domain.AggregateKey;
import io.seqtrack.core.domain.TrackingMode;
import io.seqtrack.core.port.out.AdvanceResult;
import io.seqtrack.core.port.out.ClaimResult;
import io.seqtrack.core.port.out.CommitResult;
import io.seqtrack.core.port.out.SequenceStore;
import io.seqtrack.core.domain.Verdict;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.stream.LongStream;

/** Real-thread races used by the contract; bounded in work, and every wait has a deadline. */
final class ConcurrencyHarness {

    private static final Duration LONG_LEASE = Duration.ofHours(1);

    private ConcurrencyHarness() {
    }

    static void claimCommitRace(SequenceStore store, AggregateKey hot, List<AggregateKey> cold, int workers,
            int sequences) throws Exception {
        List<AggregateKey> aggregates = new ArrayList<>();
        aggregates.add(hot);
        aggregates.addAll(cold);
        Map<AggregateKey, AtomicInteger> inFlight = new HashMap<>();
        Map<AggregateKey, List<Long>> handled = new HashMap<>();
        for (AggregateKey k : aggregates) {
            inFlight.put(k, new AtomicInteger());
            handled.put(k, Collections.synchronizedList(new ArrayList<>()));
        }
        ConcurrentLinkedQueue<String> violations = new ConcurrentLinkedQueue<>();
        AtomicInteger commits = new AtomicInteger();

        List<Callable<Void>> tasks = new ArrayList<>();
        for (int w = 0; w < workers; w++) {
            String owner = "worker-" + w;
            Random random = new Random(w);
            tasks.add(() -> {
                // every worker walks all events, sequence by sequence, aggregates in its own order
                for (long seq = 1; seq <= sequences; seq++) {
                    List<AggregateKey> order = new ArrayList<>(aggregates);
                    Collections.shuffle(order, random);
                    for (AggregateKey k : order) {
                        handleOnce(store, k, seq, owner, inFlight.get(k), handled.get(k), violations, commits);
                    }
                }
                return null;
            });
        }
        runAll(tasks);

        assertThat(violations).as("overlapping handlers or unexpected verdicts").isEmpty();
        List<Long> expected = LongStream.rangeClosed(1, sequences).boxed().toList();
        for (AggregateKey k : aggregates) {
            assertThat(handled.get(k)).as("handled sequences of %s", k).containsExactlyElementsOf(expected);
            assertThat(store.read(k).lastCommitted()).isEqualTo(sequences);
        }
        assertThat(commits.get()).isEqualTo(sequences * aggregates.size());
    }

    private static void handleOnce(SequenceStore store, AggregateKey k, long seq, String owner,
            AtomicInteger inFlight, List<Long> handled, ConcurrentLinkedQueue<String> violations,
            AtomicInteger commits) {
        while (true) {
            ClaimResult claim = store.claim(k, seq, TrackingMode.STRICT, owner, LONG_LEASE);
            switch (claim.status()) {
                case CLAIMED:
                    if (inFlight.incrementAndGet() != 1) {
                        violations.add(owner + " ran " + k + "#" + seq + " while another handler was running");
                    }
                    handled.add(seq);
                    inFlight.decrementAndGet();
                    CommitResult commit = store.commit(k, seq, claim.fencingToken());
                    if (commit != CommitResult.COMMITTED) {
                        violations.add(owner + " commit of " + k + "#" + seq + " answered " + commit);
                    }
                    commits.incrementAndGet();
                    return;
                case DUPLICATE:
                    return;
                case BUSY:
                    Thread.yield();
                    break;
                default:
                    violations.add(owner + " got " + claim + " for " + k + "#" + seq
                            + " although it saw every predecessor committed");
                    return;
            }
        }
    }

    static void advanceRace(SequenceStore store, AggregateKey k, int workers, int sequences) throws Exception {
        AtomicIntegerArray inOrder = new AtomicIntegerArray(sequences + 1);
        ConcurrentLinkedQueue<String> violations = new ConcurrentLinkedQueue<>();
        List<Callable<Void>> tasks = new ArrayList<>();
        for (int w = 0; w < workers; w++) {
            tasks.add(() -> {
                for (int seq = 1; seq <= sequences; seq++) {
                    AdvanceResult r = store.advance(k, seq, TrackingMode.STRICT);
                    if (r.verdict() == Verdict.IN_ORDER) {
                        inOrder.incrementAndGet(seq);
                    } else if (r.verdict() == Verdict.GAP) {
                        violations.add("GAP for " + seq + " after its predecessor was seen: " + r);
                    }
                }
                return null;
            });
        }
        runAll(tasks);
        assertThat(violations).isEmpty();
        for (int seq = 1; seq <= sequences; seq++) {
            assertThat(inOrder.get(seq)).as("IN_ORDER answers for sequence %d", seq).isEqualTo(1);
        }
        assertThat(store.read(k).lastCommitted()).isEqualTo(sequences);
    }

    /** Starts every task at once (a latch), waits for all with a deadline, and rethrows the first failure. */
    static void runAll(List<Callable<Void>> tasks) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(tasks.size());
        CountDownLatch start = new CountDownLatch(1);
        try {
            List<Future<Void>> futures = new ArrayList<>();
            for (Callable<Void> task : tasks) {
                futures.add(pool.submit(() -> {
                    start.await();
                    return task.call();
                }));
            }
            start.countDown();
            for (Future<Void> f : futures) {
                f.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
