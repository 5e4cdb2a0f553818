package org.ranksweep.sweep.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Packing runs into Spark tasks: every run once, balanced, heaviest first, small runs sharing tasks. */
class TaskPackerTest {
    private static long[] range(int n) {
        long[] a = new long[n];
        for (int i = 0; i < n; i++) {
            a[i] = 100 + i;
        }
        return a;
    }

    private static void assertEveryRunOnce(long[] index, List<long[]> tasks) {
        List<Long> seen = new ArrayList<>();
        for (long[] t : tasks) {
            for (long i : t) {
                seen.add(i);
            }
        }
        long[] got = seen.stream().mapToLong(Long::longValue).sorted().toArray();
        long[] want = index.clone();
        Arrays.sort(want);
        assertEquals(Arrays.toString(want), Arrays.toString(got));
    }

    @Test
    void beforeAnyRunFinishedEachRunHasItsOwnTaskCostliestFirst() {
        TaskPacker p = new TaskPacker(2);
        long[] index = {7, 3, 9};
        List<long[]> tasks = p.pack(index, new double[] {1, 5, 2});
        assertEquals(3, tasks.size());
        assertEquals(3, tasks.get(0)[0]);
        assertEquals(9, tasks.get(1)[0]);
        assertEquals(7, tasks.get(2)[0]);
    }

    @Test
    void smallRunsShareBalancedTasksOnceTheirTimeIsKnown() {
        TaskPacker p = new TaskPacker(2);
        p.observe(10, 1); // 10 ms per unit of cost
        long[] index = range(100);
        double[] cost = new double[100];
        Arrays.fill(cost, 1); // 100 runs of 10 ms: 1 s of work (2 tasks' worth), but at least 2 tasks per slot
        List<long[]> tasks = p.pack(index, cost);
        assertEquals(2 * TaskPacker.MIN_TASKS_PER_SLOT, tasks.size());
        assertEveryRunOnce(index, tasks);
        for (long[] t : tasks) {
            assertEquals(100 / tasks.size(), t.length, "unbalanced task");
        }
        assertTrue(tasks.get(0).length >= tasks.get(tasks.size() - 1).length, "heaviest task first");

        double[] mixed = new double[100];
        for (int i = 0; i < 100; i++) {
            mixed[i] = i < 10 ? 100 : 1; // ten runs of 1 s, ninety of 10 ms
        }
        List<long[]> m = p.pack(index, mixed);
        assertEveryRunOnce(index, m);
        for (int t = 0; t < 10; t++) {
            assertTrue(m.get(t)[0] < 110, "the long runs lead, one per task: " + Arrays.toString(m.get(t)));
        }
    }

    @Test
    void longRunsKeepATaskEach() {
        TaskPacker p = new TaskPacker(2);
        p.observe(1000, 1); // a second per unit of cost
        long[] index = range(30);
        double[] cost = new double[30];
        Arrays.fill(cost, 2);
        List<long[]> tasks = p.pack(index, cost);
        assertEquals(30, tasks.size());
        assertEveryRunOnce(index, tasks);
    }

    /** Slot finish times when tasks are handed, in order, to whichever of {@code slots} is free first (as Spark does). */
    private static double[] finishTimes(List<long[]> tasks, java.util.Map<Long, Double> ms, int slots) {
        double[] free = new double[slots];
        for (long[] t : tasks) {
            int s = 0;
            for (int k = 1; k < slots; k++) {
                s = free[k] < free[s] ? k : s;
            }
            for (long run : t) {
                free[s] += ms.get(run);
            }
        }
        return free;
    }

    private static double spread(double[] finish) {
        return Arrays.stream(finish).max().getAsDouble() - Arrays.stream(finish).min().getAsDouble();
    }

    @Test
    void aSweepsLastBatchEndsInSingleRunsSoTheSlotsFinishTogether() {
        TaskPacker p = new TaskPacker(2);
        p.observe(140, 1); // 140 ms per unit of cost
        // the medium bench grid's last batch, roughly: 24 runs of 105 to 175 ms, costliest first
        long[] index = range(24);
        double[] cost = new double[24];
        java.util.Map<Long, Double> ms = new java.util.HashMap<>();
        for (int i = 0; i < 24; i++) {
            cost[i] = 1.25 - i * 0.5 / 23;
            ms.put(index[i], cost[i] * 140);
        }
        List<long[]> last = p.packLast(index, cost);
        assertEveryRunOnce(index, last);
        for (int t = last.size() - 2; t < last.size(); t++) {
            assertEquals(1, last.get(t).length, "the last tasks hold one run each: " + Arrays.toString(last.get(t)));
        }
        for (long[] t : last) {
            double load = 0;
            for (long run : t) {
                load += ms.get(run);
            }
            assertTrue(load <= Math.max(TaskPacker.TARGET_TASK_MS, ms.get(t[0])), "task of " + load + " ms");
        }
        double cheapest = ms.get(index[23]);
        double byLast = spread(finishTimes(last, ms, 2));
        double byPack = spread(finishTimes(p.pack(index, cost), ms, 2));
        assertTrue(byLast <= 2 * cheapest, "slots finish " + byLast + " ms apart");
        assertTrue(byPack > 2 * cheapest, "the usual packing leaves " + byPack + " ms between the slots");

        // before any run has finished there is no rate: one run per task, as pack
        TaskPacker fresh = new TaskPacker(2);
        assertEquals(24, fresh.packLast(index, cost).size());
    }
    /** {@code n} runs of estimated cost {@code c} each. */
    private static double[] filled(int n, double c) {
        double[] a = new double[n];
        Arrays.fill(a, c);
        return a;
    }

    /** Estimated milliseconds of runs [from, from + size) at {@code rate} ms per unit of cost. */
    private static double work(double[] cost, int from, int size, double rate) {
        double w = 0;
        for (int i = from; i < from + size; i++) {
            w += cost[i] * rate;
        }
        return w;
    }

    @Test
    void aBatchHoldsAtLeastItsMinimumWorkPerSlotAndTheLastBatchIsSmall() {
        int slots = 2;
        double target = TaskPacker.MIN_BATCH_SLOT_MS * slots;
        double lastTarget = TaskPacker.LAST_BATCH_SLOT_MS * slots;
        double[] cost = new double[2000];
        for (int i = 0; i < cost.length; i++) {
            cost[i] = 3 - 2.0 * i / cost.length; // costliest first: 30 ms down to 10 ms at 10 ms a unit
        }
        TaskPacker p = new TaskPacker(slots);
        // no rate yet: the minimum, or what is left
        assertEquals(24, p.runsInBatch(cost, 0, 24));
        assertEquals(5, p.runsInBatch(cost, cost.length - 5, 24));

        p.observe(10, 1);
        List<int[]> batches = new ArrayList<>();
        for (int from = 0; from < cost.length; ) {
            int size = p.runsInBatch(cost, from, 24);
            assertTrue(size >= 1);
            batches.add(new int[] {from, size});
            from += size;
        }
        int[] last = batches.get(batches.size() - 1);
        assertEquals(cost.length, last[0] + last[1]);
        // the last batch: the fewest runs from the end that reach LAST_BATCH_SLOT_MS a slot
        assertTrue(work(cost, last[0], last[1], 10) >= lastTarget, "last batch " + work(cost, last[0], last[1], 10));
        assertTrue(work(cost, last[0] + 1, last[1] - 1, 10) < lastTarget, "last batch larger than needed: " + last[1]);
        for (int[] b : batches.subList(0, batches.size() - 1)) {
            assertTrue(b[1] >= 24, "at least the minimum runs: " + b[1]);
            assertTrue(work(cost, b[0], b[1], 10) >= target, "batch at " + b[0] + " holds " + work(cost, b[0], b[1], 10));
            int next = b[0] + b[1];
            if (next < last[0]) {
                // the smallest such batch, and no short batch left before the last one
                assertTrue(work(cost, b[0], b[1] - 1, 10) < target, "batch at " + b[0] + " larger than needed");
                assertTrue(work(cost, next, last[0] - next, 10) >= target, "a short batch left at " + next);
            }
        }
        // 40 s of work on two slots: six batches of at least 6 s (the rest before the last joined to the sixth),
        // then about 1 s of the cheapest runs (about 10 ms each)
        assertEquals(7, batches.size());
        assertTrue(last[1] > 90 && last[1] < 100, "last batch of " + last[1] + " runs");
    }

    @Test
    void longRunsKeepTheMinimumRunsPerBatchAndAShortRestJoinsTheBatch() {
        TaskPacker p = new TaskPacker(2);
        p.observe(1000, 1); // a second per unit of cost
        double[] cost = filled(100, 2);
        assertEquals(16, p.runsInBatch(cost, 0, 16)); // 32 s of work: the minimum run count already clears 6 s
        assertEquals(1, p.runsInBatch(cost, 99, 16)); // one 2 s run is a last batch of its own
        // 700 runs of 10 ms: 600 make 6 s, then the last 100 (1 s)
        TaskPacker q = new TaskPacker(2);
        q.observe(10, 1);
        double[] small = filled(700, 1);
        assertEquals(600, q.runsInBatch(small, 0, 24));
        assertEquals(100, q.runsInBatch(small, 600, 24));
        // 1000: 600, then 300 that would fall short of 6 s join them, then the last 100
        double[] more = filled(1000, 1);
        assertEquals(900, q.runsInBatch(more, 0, 24));
        // the rate moves between batches: the few runs a slower rate leaves before the last ones join them
        q.observe(12, 1);
        int next = q.runsInBatch(more, 900, 24);
        assertEquals(100, next, "no sliver of a batch: " + next + " runs, then the last");
        // a short sweep still ends in a small last batch: after its first 4 runs, 300 runs of 12 ms are 2.6 s
        // before the last 84 (1 s), short of a full batch but more than a last one
        double[] shortSweep = filled(304, 1);
        assertEquals(216, q.runsInBatch(shortSweep, 4, 24));
        assertEquals(84, q.runsInBatch(shortSweep, 220, 24));
        // a sweep under a second of work is all last batch
        assertEquals(60, q.runsInBatch(filled(60, 1), 0, 24));
    }
}
