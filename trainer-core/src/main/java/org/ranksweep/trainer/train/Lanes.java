package org.ranksweep.trainer.train;

import java.util.ArrayDeque;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntConsumer;

/**
 * The cores of one single run, shared by its training and its checkpoints' spectra ({@code SpectraMode.SHARED}).
 *
 * <p>The training thread and {@code threads - 1} helper threads form the lanes. The training thread hands each
 * large GEMM over as {@link #split parts} (blocks of the result, each a single-threaded BLAS call); every lane
 * that is free takes the next part, the training thread included, so a GEMM never waits for a busy helper: it
 * takes the parts itself. The spectra are {@link #background} tasks, which a helper runs only when no part is
 * waiting: while the training thread does its serial work between GEMMs, or while it works through a GEMM's
 * parts alone. Both cores stay busy, and training never stops for a batch of spectra.
 *
 * <p>Which lane computes a part does not change its result (the same one-thread call on the same operands), so a
 * run's results do not depend on how the work fell between the lanes. In float64 they do not depend on the number
 * of lanes either: a block of a GEMM comes out the bits of the whole one-thread call ({@code GemmLanesTest}).
 */
final class Lanes implements AutoCloseable {
    /**
     * Nanoseconds a free helper spins for the next part or task before it sleeps. On this VM a sleeping thread took
     * about a millisecond to wake, and the training thread then waited for the helper's part; the gaps between a
     * step's GEMMs are shorter than this.
     */
    static final long SPIN_NANOS = 3_000_000;
    /** Multiply-adds of a GEMM part when a GEMM is split into more parts than lanes (about 7 ms on one core). */
    static final double PART_MUL_ADDS = 1.25e8;
    /** At most this many parts of one GEMM per lane. */
    static final int MAX_PARTS_PER_LANE = 4;

    private final int threads;
    private final Thread[] helpers;
    private final Object lock = new Object();
    private final ArrayDeque<Runnable> background = new ArrayDeque<>();
    /** {@link #background}'s size, readable without the lock (for a spinning helper). */
    private volatile int waiting;
    private volatile Split current;
    private volatile boolean closed;

    /** {@code threads} lanes (at least 1): the calling thread and {@code threads - 1} helpers, started now. */
    Lanes(int threads, String name) {
        this.threads = Math.max(1, threads);
        this.helpers = new Thread[this.threads - 1];
        for (int i = 0; i < helpers.length; i++) {
            Thread t = new Thread(this::help, name + "-" + (i + 1));
            t.setDaemon(true);
            helpers[i] = t;
            t.start();
        }
    }

    /**
     * How many parts a GEMM of {@code mulAdds} multiply-adds is split into: one per lane, or more for a large one,
     * about {@link #PART_MUL_ADDS} each, at most {@link #MAX_PARTS_PER_LANE} per lane. A helper that joins a GEMM
     * late (it was finishing a spectra task) then takes a smaller share, and the training thread waits less for
     * it; smaller parts cost more packing, so small GEMMs stay one part per lane.
     */
    int parts(double mulAdds) {
        return (int) Math.max(threads, Math.min((long) MAX_PARTS_PER_LANE * threads, Math.round(mulAdds / PART_MUL_ADDS)));
    }

    /** The number of lanes, the training thread's included. */
    int threads() {
        return threads;
    }

    /**
     * Runs {@code body.accept(p)} for every p in [0, parts), on the calling thread and whichever helpers are
     * free, and returns when all are done; a part's exception is rethrown here.
     */
    void split(int parts, IntConsumer body) {
        if (parts <= 1 || helpers.length == 0) {
            for (int p = 0; p < parts; p++) {
                body.accept(p);
            }
            return;
        }
        Split s = new Split(parts, body, Thread.currentThread());
        current = s;
        synchronized (lock) {
            lock.notifyAll();
        }
        while (s.runOne()) {
            // the caller takes parts until none is left
        }
        current = null;
        while (s.done.get() < parts) {
            LockSupport.park(this);
        }
        if (s.failure != null) {
            if (s.failure instanceof RuntimeException) {
                throw (RuntimeException) s.failure;
            }
            if (s.failure instanceof Error) {
                throw (Error) s.failure;
            }
            throw new IllegalStateException(s.failure);
        }
    }

    /** Background work (the spectra): run by a helper when no part waits, or by {@link #runBackground}. */
    Executor background() {
        return task -> {
            synchronized (lock) {
                if (closed) {
                    throw new java.util.concurrent.RejectedExecutionException("lanes closed");
                }
                background.add(task);
                waiting = background.size();
                lock.notifyAll();
            }
        };
    }

    /** Runs one waiting background task on the calling thread; false when none was waiting. */
    boolean runBackground() {
        Runnable task;
        synchronized (lock) {
            task = background.poll();
            waiting = background.size();
        }
        if (task == null) {
            return false;
        }
        task.run();
        return true;
    }

    /** Stops the helpers once they finish what they are running; background tasks still waiting are dropped. */
    @Override
    public void close() {
        synchronized (lock) {
            closed = true;
            background.clear();
            waiting = 0;
            lock.notifyAll();
        }
    }

    private void help() {
        while (true) {
            Split s = current;
            if (s != null && s.runOne()) {
                continue;
            }
            Runnable task;
            synchronized (lock) {
                if (closed) {
                    return;
                }
                task = background.poll();
                waiting = background.size();
            }
            if (task != null) {
                task.run();
                continue;
            }
            if (spinForWork()) {
                continue;
            }
            synchronized (lock) {
                while (!closed && background.isEmpty() && !hasUnclaimedPart()) {
                    try {
                        lock.wait();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                }
            }
        }
    }

    /** Spins briefly for a part or a task (true when one appeared). */
    private boolean spinForWork() {
        long until = System.nanoTime() + SPIN_NANOS;
        while (System.nanoTime() < until) {
            if (hasUnclaimedPart() || waiting > 0 || closed) {
                return true;
            }
            Thread.onSpinWait();
        }
        return false;
    }

    private boolean hasUnclaimedPart() {
        Split s = current;
        return s != null && s.next.get() < s.parts;
    }

    /** One GEMM's parts: claimed in order by whichever lane asks first. */
    private static final class Split {
        final int parts;
        final IntConsumer body;
        final Thread owner;
        final AtomicInteger next = new AtomicInteger();
        final AtomicInteger done = new AtomicInteger();
        volatile Throwable failure;

        Split(int parts, IntConsumer body, Thread owner) {
            this.parts = parts;
            this.body = body;
            this.owner = owner;
        }

        /** Claims and runs the next part; false when none was left. */
        boolean runOne() {
            int p = next.getAndIncrement();
            if (p >= parts) {
                return false;
            }
            try {
                body.accept(p);
            } catch (Throwable t) {
                failure = t;
            } finally {
                if (done.incrementAndGet() == parts) {
                    LockSupport.unpark(owner);
                }
            }
            return true;
        }
    }
}
