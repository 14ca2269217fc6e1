package io.seqtrack.processor;

import io.seqtrack.core.domain.AggregateKey;
import io.seqtrack.core.domain.TrackingMode;
import io.seqtrack.core.port.out.AdvanceResult;
import io.seqtrack.core.port.out.AggregateState;
import io.seqtrack.core.port.out.ClaimResult;
import io.seqtrack.core.port.out.CommitResult;
import io.seqtrack.core.port.out.ReleaseResult;
import io.seqtrack.core.port.out.RenewResult;
import io.seqtrack.core.port.out.SequenceStore;
import io.seqtrack.core.port.out.SkipResult;
import io.seqtrack.core.port.out.SkippedRange;
import java.time.Duration;
import java.util.List;

/**
 * A store that forwards the SPI's required operations to another; tests override what they need to break. The
 * defaults (async, batch) loop over these, and wake-ups are not forwarded (the SPI default: none).
 */
class ForwardingSequenceStore implements SequenceStore {

    final SequenceStore delegate;

    ForwardingSequenceStore(SequenceStore delegate) {
        this.delegate = delegate;
    }

    @Override
    public AdvanceResult advance(AggregateKey key, long seq, TrackingMode mode) {
        return delegate.advance(key, seq, mode);
    }

    @Override
    public ClaimResult claim(AggregateKey key, long seq, TrackingMode mode, String owner, Duration leaseTtl) {
        return delegate.claim(key, seq, mode, owner, leaseTtl);
    }

    @Override
    public CommitResult commit(AggregateKey key, long seq, long fencingToken) {
        return delegate.commit(key, seq, fencingToken);
    }

    @Override
    public ReleaseResult release(AggregateKey key, long seq, long fencingToken) {
        return delegate.release(key, seq, fencingToken);
    }

    @Override
    public RenewResult renew(AggregateKey key, long seq, long fencingToken, Duration leaseTtl) {
        return delegate.renew(key, seq, fencingToken, leaseTtl);
    }

    @Override
    public SkipResult skip(AggregateKey key, long expectedLast, long newLast, SkippedRange record) {
        return delegate.skip(key, expectedLast, newLast, record);
    }

    @Override
    public List<SkippedRange> skippedRanges(AggregateKey key) {
        return delegate.skippedRanges(key);
    }

    @Override
    public AggregateState read(AggregateKey key) {
        return delegate.read(key);
    }

    @Override
    public void reset(AggregateKey key, long last) {
        delegate.reset(key, last);
    }

    @Override
    public boolean delete(AggregateKey key) {
        return delegate.delete(key);
    }
}
