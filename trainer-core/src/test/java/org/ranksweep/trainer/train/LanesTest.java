package org.ranksweep.trainer.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

/** The lanes a shared-spectra run splits its GEMMs between: every part once, failures surfaced, background work run. */
class LanesTest {
    @Test
    void everyPartRunsOnceAndTheHelperTakesSome() throws Exception {
        try (Lanes lanes = new Lanes(2, "test-lane")) {
            Set<String> threads = ConcurrentHashMap.newKeySet();
            for (int round = 0; round < 50; round++) {
                AtomicIntegerArray runs = new AtomicIntegerArray(8);
                lanes.split(8, p -> {
                    runs.incrementAndGet(p);
                    threads.add(Thread.currentThread().getName());
                    busy(200_000);
                });
                for (int p = 0; p < 8; p++) {
                    assertEquals(1, runs.get(p), "part " + p + " of round " + round);
                }
            }
            assertTrue(threads.contains("test-lane-1"), "the helper took parts: " + threads);
            assertTrue(threads.contains(Thread.currentThread().getName()), "the caller took parts: " + threads);
        }
    }

    @Test
    void aBusyHelperLeavesEveryPartToTheCaller() throws Exception {
        try (Lanes lanes = new Lanes(2, "test-lane")) {
            CountDownLatch started = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            lanes.background().execute(() -> {
                started.countDown();
                await(release);
            });
            assertTrue(started.await(10, TimeUnit.SECONDS));
            Thread caller = Thread.currentThread();
            AtomicInteger byCaller = new AtomicInteger();
            lanes.split(4, p -> {
                if (Thread.currentThread() == caller) {
                    byCaller.incrementAndGet();
                }
            });
            release.countDown();
            assertEquals(4, byCaller.get(), "the helper was busy, so the caller ran every part");
        }
    }

    @Test
    void aPartsFailureIsRethrownAfterEveryPartEnded() {
        try (Lanes lanes = new Lanes(2, "test-lane")) {
            AtomicInteger ended = new AtomicInteger();
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> lanes.split(6, p -> {
                busy(100_000);
                ended.incrementAndGet();
                if (p == 3) {
                    throw new IllegalStateException("part 3 failed");
                }
            }));
            assertEquals("part 3 failed", e.getMessage());
            assertEquals(6, ended.get());
            // the lanes still work afterwards
            AtomicInteger after = new AtomicInteger();
            lanes.split(2, p -> after.incrementAndGet());
            assertEquals(2, after.get());
        }
    }

    @Test
    void backgroundTasksRunOnTheHelperOrWhenTheCallerAsks() throws Exception {
        try (Lanes lanes = new Lanes(2, "test-lane")) {
            CountDownLatch done = new CountDownLatch(1);
            String[] ranOn = new String[1];
            lanes.background().execute(() -> {
                ranOn[0] = Thread.currentThread().getName();
                done.countDown();
            });
            assertTrue(done.await(10, TimeUnit.SECONDS));
            assertEquals("test-lane-1", ranOn[0]);
        }
        // one lane: no helper, so background work waits for the caller
        try (Lanes alone = new Lanes(1, "test-lane")) {
            AtomicInteger ran = new AtomicInteger();
            alone.background().execute(ran::incrementAndGet);
            alone.background().execute(ran::incrementAndGet);
            assertEquals(0, ran.get());
            assertTrue(alone.runBackground());
            assertTrue(alone.runBackground());
            assertFalse(alone.runBackground());
            assertEquals(2, ran.get());
            AtomicIntegerArray parts = new AtomicIntegerArray(3);
            alone.split(3, parts::incrementAndGet);
            assertEquals("[1, 1, 1]", parts.toString());
        }
    }

    @Test
    void closedLanesRefuseWork() {
        Lanes lanes = new Lanes(2, "test-lane");
        lanes.close();
        assertThrows(java.util.concurrent.RejectedExecutionException.class, () -> lanes.background().execute(() -> { }));
    }

    @Test
    void largeGemmsGetMorePartsUpToFourPerLane() {
        try (Lanes lanes = new Lanes(2, "test-lane")) {
            assertEquals(2, lanes.parts(1e6));
            assertEquals(2, lanes.parts(Lanes.PART_MUL_ADDS * 2));
            assertEquals(3, lanes.parts(Lanes.PART_MUL_ADDS * 3));
            assertEquals(4, lanes.parts(1000.0 * 500 * 1000));
            assertEquals(8, lanes.parts(1e12));
        }
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void busy(long nanos) {
        long until = System.nanoTime() + nanos;
        while (System.nanoTime() < until) {
            Thread.onSpinWait();
        }
    }
}
