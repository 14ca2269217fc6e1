package io.seqtrack.processor.internal;

import io.seqtrack.core.domain.AggregateKey;

/**
 * Which lane an aggregate belongs to. The lane comes from the high bits of the key's hash multiplied by the golden
 * ratio (Fibonacci hashing), not from {@code hashCode mod lanes}: with the modulo, all keys of a lane shared their
 * low bits — the very bits a {@code HashMap} indexes by — so the lane's own maps and every per-batch set crowded into
 * a fraction of their buckets and turned bins into trees (JFR, ProcessorBenchmark at parallelism 8: {@code treeifyBin}
 * and {@code putTreeVal} under {@code HashSet.add}, about 5 % of a lane's samples). Public for the module's tests,
 * which place aggregates on chosen lanes; not API.
 */
public final class LaneOf {

    private LaneOf() {
    }

    /** The lane, in {@code [0, lanes)}, of {@code key}. */
    public static int lane(AggregateKey key, int lanes) {
        int h = key.hashCode() * 0x9E3779B9;
        return (int) (((h ^ (h >>> 16)) & 0xFFFFFFFFL) * lanes >>> 32);
    }
}
