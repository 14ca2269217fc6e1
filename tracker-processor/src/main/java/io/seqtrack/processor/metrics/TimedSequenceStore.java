package io.seqtrack.processor.metrics;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.seqtrack.core.domain.AggregateKey;
import io.seqtrack.core.domain.TrackingMode;
import io.seqtrack.core.port.out.AdvanceRequest;
import io.seqtrack.core.port.out.AdvanceResult;
import io.seqtrack.core.port.out.AggregateState;
import io.seqtrack.core.port.out.ClaimRequest;
import io.seqtrack.core.port.out.ClaimResult;
import io.seqtrack.core.port.out.CommitRequest;
import io.seqtrack.core.port.out.CommitResult;
import io.seqtrack.core.port.out.ReleaseResult;
import io.seqtrack.core.port.out.SequenceStore;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/**
 * Times every store call as {@code seqtrack.store.duration} with tag {@code operation}, and forwards <em>every</em>
 * operation of the SPI — async and batch forms included, so wrapping a store never loses its pipelined paths (an async
 * call is timed until its stage completes).
 */
public final class TimedSequenceStore implements SequenceStore {

    private final SequenceStore delegate;
    private final MeterRegistry meters;

    public TimedSequenceStore(SequenceStore delegate, MeterRegistry meters) {
        this.delegate = delegate;
        this.meters = meters;
    }

    private <T> T timed(String operation, Supplier<T> call) {
        return Timer.builder("seqtrack.store.duration").tag("operation", operation).register(meters).record(call);
    }

    @Override
    public AdvanceResult advance(AggregateKey key, long seq, TrackingMode mode) {
        return timed("advance", () -> delegate.advance(key, seq, mode));
    }

    @Override
    public ClaimResult claim(AggregateKey key, long seq, TrackingMode mode, String owner, Duration leaseTtl) {
        return timed("claim", () -> delegate.claim(key, seq, mode, owner, leaseTtl));
    }

    @Override
    public CommitResult commit(AggregateKey key, long seq, long fencingToken) {
        return timed("commit", () -> delegate.commit(key, seq, fencingToken));
    }

    @Override
    public ReleaseResult release(AggregateKey key, long seq, long fencingToken) {
        return timed("release", () -> delegate.release(key, seq, fencingToken));
    }

    @Override
    public AggregateState read(AggregateKey key) {
        return timed("read", () -> delegate.read(key));
    }

    @Override
    public void reset(AggregateKey key, long last) {
        timed("reset", () -> {
            delegate.reset(key, last);
            return null;
        });
    }

    @Override
    public boolean delete(AggregateKey key) {
        return timed("delete", () -> delegate.delete(key));
    }

    @Override
    public io.seqtrack.core.port.out.RenewResult renew(AggregateKey key, long seq, long fencingToken,
            Duration leaseTtl) {
        return timed("renew", () -> delegate.renew(key, seq, fencingToken, leaseTtl));
    }

    @Override
    public io.seqtrack.core.port.out.SkipResult skip(AggregateKey key, long expectedLast, long newLast,
            io.seqtrack.core.port.out.SkippedRange record) {
        return timed("skip", () -> delegate.skip(key, expectedLast, newLast, record));
    }

    @Override
    public List<io.seqtrack.core.port.out.SkippedRange> skippedRanges(AggregateKey key) {
        return timed("skipped_ranges", () -> delegate.skippedRanges(key));
    }

    @Override
    public List<AdvanceResult> advanceAll(List<AdvanceRequest> requests) {
        return timed("advance_batch", () -> delegate.advanceAll(requests));
    }

    @Override
    public List<ClaimResult> claimAll(List<ClaimRequest> requests) {
        return timed("claim_batch", () -> delegate.claimAll(requests));
    }

    /** Timed as {@code claim_batch}: the claims and, in the same store call where the store can, the buffer probe. */
    @Override
    public io.seqtrack.core.port.out.ClaimsAndPresence claimAllAndProbe(List<ClaimRequest> requests,
            io.seqtrack.core.port.out.EventBuffer buffer) {
        return timed("claim_batch", () -> delegate.claimAllAndProbe(requests, buffer));
    }

    @Override
    public List<CommitResult> commitAll(List<CommitRequest> requests) {
        return timed("commit_batch", () -> delegate.commitAll(requests));
    }

    @Override
    public List<io.seqtrack.core.port.out.CommitAndClaimResult> commitAndClaimAll(
            List<io.seqtrack.core.port.out.CommitAndClaimRequest> requests) {
        return timed("commit_claim_batch", () -> delegate.commitAndClaimAll(requests));
    }

    @Override
    public List<io.seqtrack.core.port.out.RenewResult> renewAll(List<io.seqtrack.core.port.out.RenewRequest> requests) {
        return timed("renew_batch", () -> delegate.renewAll(requests));
    }

    @Override
    public CompletionStage<AdvanceResult> advanceAsync(AggregateKey key, long seq, TrackingMode mode) {
        return timedAsync("advance", () -> delegate.advanceAsync(key, seq, mode));
    }

    @Override
    public CompletionStage<ClaimResult> claimAsync(AggregateKey key, long seq, TrackingMode mode, String owner,
            Duration leaseTtl) {
        return timedAsync("claim", () -> delegate.claimAsync(key, seq, mode, owner, leaseTtl));
    }

    @Override
    public CompletionStage<CommitResult> commitAsync(AggregateKey key, long seq, long fencingToken) {
        return timedAsync("commit", () -> delegate.commitAsync(key, seq, fencingToken));
    }

    @Override
    public CompletionStage<ReleaseResult> releaseAsync(AggregateKey key, long seq, long fencingToken) {
        return timedAsync("release", () -> delegate.releaseAsync(key, seq, fencingToken));
    }

    @Override
    public CompletionStage<io.seqtrack.core.port.out.RenewResult> renewAsync(AggregateKey key, long seq,
            long fencingToken, Duration leaseTtl) {
        return timedAsync("renew", () -> delegate.renewAsync(key, seq, fencingToken, leaseTtl));
    }

    @Override
    public CompletionStage<AggregateState> readAsync(AggregateKey key) {
        return timedAsync("read", () -> delegate.readAsync(key));
    }

    @Override
    public CompletionStage<List<AdvanceResult>> advanceAllAsync(List<AdvanceRequest> requests) {
        return timedAsync("advance_batch", () -> delegate.advanceAllAsync(requests));
    }

    private <T> CompletionStage<T> timedAsync(String operation, Supplier<CompletionStage<T>> call) {
        Timer.Sample sample = Timer.start(meters);
        Timer timer = Timer.builder("seqtrack.store.duration").tag("operation", operation).register(meters);
        return call.get().whenComplete((result, error) -> sample.stop(timer));
    }

    @Override
    public io.seqtrack.core.port.out.CommitSubscription subscribeCommits(
            java.util.function.Consumer<AggregateKey> listener) {
        return delegate.subscribeCommits(listener);
    }

    @Override
    public void close() {
        delegate.close();
    }
}
