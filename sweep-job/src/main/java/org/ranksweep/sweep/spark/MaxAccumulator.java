package org.ranksweep.sweep.spark;

import org.apache.spark.util.AccumulatorV2;

/** The largest value added on any executor (Spark's own long accumulator only sums). */
public final class MaxAccumulator extends AccumulatorV2<Long, Long> {
    private static final long serialVersionUID = 1L;
    private long max = Long.MIN_VALUE;

    @Override
    public boolean isZero() {
        return max == Long.MIN_VALUE;
    }

    @Override
    public MaxAccumulator copy() {
        MaxAccumulator c = new MaxAccumulator();
        c.max = max;
        return c;
    }

    @Override
    public void reset() {
        max = Long.MIN_VALUE;
    }

    @Override
    public void add(Long v) {
        max = Math.max(max, v);
    }

    @Override
    public void merge(AccumulatorV2<Long, Long> other) {
        max = Math.max(max, other.value());
    }

    /** The largest value so far; 0 when nothing was added. */
    @Override
    public Long value() {
        return isZero() ? 0L : max;
    }
}
