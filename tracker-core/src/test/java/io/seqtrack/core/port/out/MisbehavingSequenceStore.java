package io.seqtrack.core.port.out;

import io.seqtrack.core.domain.AggregateKey;
import io.seqtrack.core.domain.TrackingMode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * A {@link SequenceStore} whose backend is broken: every call either throws what the test supplies (a driver
 * exception, say) or answers {@code null}. Records the calls it got.
 */
public final class MisbehavingSequenceStore implements SequenceStore {

    private final Supplier<RuntimeException> failure;
    private final List<String> calls = new ArrayList<>();

    private MisbehavingSequenceStore(Supplier<RuntimeException> failure) {
        this.failure = failure;
    }

    /** Every call throws the given exception (the same instance each time). */
    public static MisbehavingSequenceStore throwing(RuntimeException failure) {
        return new MisbehavingSequenceStore(() -> failure);
    }

    /** Every call answers {@code null}. */
    public static MisbehavingSequenceStore answeringNull() {
        return new MisbehavingSequenceStore(null);
    }

    public synchronized List<String> calls() {
        return List.copyOf(calls);
    }

    private synchronized <T> T fail(String call) {
        calls.add(call);
        if (failure != null) {
            throw failure.get();
        }
        return null;
    }

    @Override
    public AdvanceResult advance(AggregateKey key, long seq, TrackingMode mode) {
        return fail("advance");
    }

    @Override
    public ClaimResult claim(AggregateKey key, long seq, TrackingMode mode, String owner, Duration leaseTtl) {
        return fail("claim");
    }

    @Override
    public CommitResult commit(AggregateKey key, long seq, long fencingToken) {
        return fail("commit");
    }

    @Override
    public ReleaseResult release(AggregateKey key, long seq, long fencingToken) {
        return fail("release");
    }

    @Override
    public AggregateState read(AggregateKey key) {
        return fail("read");
    }

    @Override
    public void reset(AggregateKey key, long last) {
        fail("reset");
    }

    @Override
    public boolean delete(AggregateKey key) {
        fail("delete");
        return false;
    }

    @Override
    public RenewResult renew(AggregateKey key, long seq, long fencingToken, Duration leaseTtl) {
        return fail("renew");
    }

    @Override
    public SkipResult skip(AggregateKey key, long expectedLast, long newLast, SkippedRange record) {
        return fail("skip");
    }

    @Override
    public List<SkippedRange> skippedRanges(AggregateKey key) {
        return fail("skippedRanges");
    }
}
