package org.ranksweep.sweep.spark;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;

/**
 * Groups a batch's runs into Spark tasks. A Spark task costs a few milliseconds of scheduling,
 * serialisation and bookkeeping on the driver and the executor, as much as a small run itself, so
 * runs share a task until it holds about {@link #TARGET_TASK_MS} of work; a run that long or longer
 * has a task of its own. Runs are dealt into tasks longest first onto the lightest task (LPT), and the
 * tasks are handed to Spark heaviest first, so the slots finish together.
 *
 * <p>Run times come from the cost model (FLOPs) scaled by the milliseconds per FLOP measured on the
 * runs already trained in this job ({@link #observe}); until one has finished, every run gets a task of
 * its own.
 */
final class TaskPacker {
    /** About this much work per task once run times are known. */
    static final double TARGET_TASK_MS = 500;
    /**
     * At least this many tasks per slot in a batch, so the batch's tasks balance over the slots. Batches
     * queue behind each other, so a slot that finishes early takes the next batch's tasks; only the last
     * batch's balance shows in the makespan.
     */
    static final int MIN_TASKS_PER_SLOT = 2;
    /**
     * Once run times are known, a batch holds at least this much work per slot. Each batch costs the driver
     * about 50 ms of CPU (its Spark job, its Parquet files and their commit; measured on the bench-sweep grid),
     * taken from the runs when every core has a slot: at 3 s a slot, about 1%. A killed job loses at most the
     * batches in flight.
     */
    static final double MIN_BATCH_SLOT_MS = 3000;

    private final int slots;
    private double ms;
    private double cost;

    TaskPacker(int slots) {
        this.slots = Math.max(1, slots);
    }

    /**
     * Records that the runs finished so far took {@code totalMs} for an estimated cost of {@code totalCost}
     * (the sweep's running totals, read from its accumulators).
     */
    synchronized void observe(double totalMs, double totalCost) {
        ms = totalMs;
        cost = totalCost;
    }

    /** Milliseconds per unit of cost measured so far; NaN before any run finished. */
    synchronized double msPerCost() {
        return cost > 0 && ms > 0 ? ms / cost : Double.NaN;
    }

    /**
     * The sweep's last batch holds about this much work per slot once run times are known. Its commit is the
     * only one no training overlaps, so it is kept small: on the bench-sweep grid, a last batch of 236 runs
     * was committed 86-161 ms after its last task, both slots idle meanwhile.
     */
    static final double LAST_BATCH_SLOT_MS = 500;

    /**
     * How many runs the next batch takes, from position {@code from} of a sweep's runs (costliest first, of
     * estimated {@code costs}): at least {@code minRuns} (or all that are left), and once run times are known,
     * runs up to at least {@link #MIN_BATCH_SLOT_MS} of work per slot, short of the sweep's last runs worth
     * {@link #LAST_BATCH_SLOT_MS} a slot, which make the last batch. When the runs between this batch and the
     * last would fall short of {@link #MIN_BATCH_SLOT_MS} themselves, they join this batch. Runs before the last
     * ones worth less than a last batch themselves (the measured rate moved since the last call) join the last.
     */
    int runsInBatch(double[] costs, int from, int minRuns) {
        int left = costs.length - from;
        int size = Math.min(left, Math.max(1, minRuns));
        double rate = msPerCost();
        if (Double.isNaN(rate)) {
            return size;
        }
        // where the last batch begins: its runs, from the end, reach LAST_BATCH_SLOT_MS a slot
        int last = costs.length;
        for (double tail = 0; last > 0 && tail < LAST_BATCH_SLOT_MS * slots; ) {
            tail += costs[--last] * rate;
        }
        double toLast = 0;
        for (int i = from; i < last && toLast < LAST_BATCH_SLOT_MS * slots; i++) {
            toLast += costs[i] * rate;
        }
        if (toLast < LAST_BATCH_SLOT_MS * slots) {
            // a sliver before the last batch (the measured rate moved since the last call): one last batch
            return left;
        }
        double target = MIN_BATCH_SLOT_MS * slots;
        size = Math.min(size, last - from);
        double work = 0;
        for (int i = from; i < from + size; i++) {
            work += costs[i] * rate;
        }
        while (from + size < last && work < target) {
            work += costs[from + size] * rate;
            size++;
        }
        double rest = 0;
        for (int i = from + size; i < last && rest < target; i++) {
            rest += costs[i] * rate;
        }
        return rest < target ? last - from : size;
    }

    /**
     * Tasks for runs {@code index} (costliest first) of estimated {@code costs}: each task a list of grid
     * indices, heaviest task first.
     */
    List<long[]> pack(long[] index, double[] costs) {
        int n = index.length;
        double rate = msPerCost();
        int tasks = n;
        if (!Double.isNaN(rate)) {
            double total = 0;
            for (double c : costs) {
                total += c * rate;
            }
            tasks = (int) Math.min(n, Math.max((long) slots * MIN_TASKS_PER_SLOT, (long) Math.ceil(total / TARGET_TASK_MS)));
        }
        Integer[] order = costliestFirst(index, costs);
        // LPT: each run, longest first, onto the task with the least work so far
        double[] load = new double[tasks];
        List<List<Long>> members = new ArrayList<>();
        PriorityQueue<Integer> lightest = new PriorityQueue<>(
                Comparator.comparingDouble((Integer t) -> load[t]).thenComparingInt(t -> t));
        for (int t = 0; t < tasks; t++) {
            members.add(new ArrayList<>());
            lightest.add(t);
        }
        for (int i : order) {
            int t = lightest.poll();
            members.get(t).add(index[i]);
            load[t] += costs[i];
            lightest.add(t);
        }
        Integer[] byLoad = new Integer[tasks];
        for (int t = 0; t < tasks; t++) {
            byLoad[t] = t;
        }
        Arrays.sort(byLoad, Comparator.comparingDouble((Integer t) -> -load[t]).thenComparingInt(t -> t));
        List<long[]> out = new ArrayList<>(tasks);
        for (int t : byLoad) {
            out.add(longs(members.get(t)));
        }
        return out;
    }

    /** Positions 0..n-1 of the runs, costliest first (ties by grid index). */
    private static Integer[] costliestFirst(long[] index, double[] costs) {
        Integer[] order = new Integer[index.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, Comparator.comparingDouble((Integer i) -> -costs[i]).thenComparingLong(i -> index[i]));
        return order;
    }

    private static long[] longs(List<Long> m) {
        long[] a = new long[m.size()];
        for (int j = 0; j < a.length; j++) {
            a[j] = m.get(j);
        }
        return a;
    }

    /**
     * As {@link #pack}, for a sweep's last batch, whose tasks no later batch follows to fill a slot that
     * finishes early: tasks shrink with the work left (guided self-scheduling). Each takes runs, costliest
     * first, up to the batch's work not yet in a task / (2 x slots) and at most {@link #TARGET_TASK_MS},
     * but at least one run; so the last tasks are single runs and the slots finish within about one run
     * of each other instead of one task. Before any run has finished, as {@link #pack}.
     */
    List<long[]> packLast(long[] index, double[] costs) {
        double rate = msPerCost();
        if (Double.isNaN(rate)) {
            return pack(index, costs);
        }
        int n = index.length;
        Integer[] order = costliestFirst(index, costs);
        double left = 0;
        for (double c : costs) {
            left += c * rate;
        }
        List<long[]> out = new ArrayList<>();
        for (int i = 0; i < n;) {
            double target = Math.min(TARGET_TASK_MS, left / (2.0 * slots));
            List<Long> m = new ArrayList<>();
            double load = 0;
            do {
                m.add(index[order[i]]);
                load += costs[order[i]] * rate;
                i++;
            } while (i < n && load + costs[order[i]] * rate <= target);
            left -= load;
            out.add(longs(m));
        }
        return out;
    }
}
