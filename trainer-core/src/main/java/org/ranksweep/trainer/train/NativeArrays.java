package org.ranksweep.trainer.train;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

import org.bytedeco.javacpp.Pointer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The native matrices of a run, kept on its thread for the next run there.
 *
 * <p>Why: memory a process has not touched yet is slow to touch on a virtual machine. ND4J fills every new
 * buffer with zeros, and on this project's VM that took 22-38 ms for one 8 MB buffer (2,048 pages, about 12
 * us each, most of it spent by the hypervisor backing the pages), against under 2 ms to fill the same buffer
 * once touched. Figure 1's run allocates 32 MB this way; freed, the memory goes back to the system and
 * the next run pays again. Runs of one architecture follow each other on a thread in every sweep (a Spark
 * task's runs) and in the bench, so the next run takes the last run's matrices of its shapes instead.
 *
 * <p>Inside a {@link #open scope} (one per run, on the run's thread), {@link #zeros} hands out a matrix the
 * thread's last run left, if one has the type and shape, set to zero, so a run sees exactly what a new
 * matrix holds; otherwise a new one. {@link #release} leaves the scope's matrices to it, and closing the
 * scope keeps them for the thread's next run (up to {@link #KEEP_BYTES}) and frees those the run did not
 * take. A scope opened with another key than the last (another architecture, say) frees the kept matrices
 * first. Runs of one key take the same shapes, so a thread holds one run's matrices, which its runs need
 * anyway; the exception is the sufficient-statistics path, whose factor width is the data's rank: a run on
 * data of another rank allocates those anew and frees the kept ones at its end. Outside a scope (tests,
 * tools, other threads) both are plain {@code Nd4j.create} and {@code close}.
 */
final class NativeArrays {
    /**
     * The most memory a thread keeps between its runs. Figure 1's run keeps 32 MB of matrices and 27 MB of
     * checkpoint copies, depth 5's 87 and 62.
     */
    static final long KEEP_BYTES = 256L << 20;

    private static final ThreadLocal<Scope> ACTIVE = new ThreadLocal<>();
    /** What the thread's last run left, free to take. */
    private static final ThreadLocal<List<INDArray>> KEPT = ThreadLocal.withInitial(ArrayList::new);
    /** The checkpoint copies (Java arrays) it left: a VM is slow to hand out new heap as much as native memory. */
    private static final ThreadLocal<List<double[]>> KEPT_COPIES = ThreadLocal.withInitial(ArrayList::new);
    /** The key of the scope that left them. */
    private static final ThreadLocal<Object> KEPT_KEY = new ThreadLocal<>();

    private NativeArrays() {
    }

    /**
     * A scope for one run on the calling thread, keeping at most {@link #KEEP_BYTES}; {@code key} says what
     * the run allocates (runs of equal keys take the same shapes). Within a scope already open, one that leaves
     * everything to that one.
     */
    static Scope open(Object key) {
        return open(key, KEEP_BYTES);
    }

    /** As {@link #open(Object)}, keeping at most {@code keepBytes}. */
    static Scope open(Object key, long keepBytes) {
        if (ACTIVE.get() != null) {
            return new Scope(null, 0);
        }
        if (!key.equals(KEPT_KEY.get())) {
            clear();
        }
        KEPT_KEY.set(key);
        Scope s = new Scope(KEPT.get(), keepBytes);
        ACTIVE.set(s);
        return s;
    }

    /** A zero rows x cols f-ordered matrix of the type: kept from the thread's last run when one fits. */
    static INDArray zeros(DataType type, long rows, long cols) {
        Scope s = ACTIVE.get();
        return s == null ? Nd4j.create(type, new long[] {rows, cols}, 'f') : s.take(type, rows, cols);
    }

    /** Done with {@code a}: the scope's to keep when it came from the calling thread's scope, else closed. */
    static void release(INDArray a) {
        Scope s = ACTIVE.get();
        if (s == null || !s.owns(a)) {
            a.close();
        }
    }

    /** Closes what the calling thread keeps (tests; a thread that will run no more). */
    static void clear() {
        List<INDArray> kept = KEPT.get();
        for (INDArray a : kept) {
            a.close();
        }
        kept.clear();
        KEPT_COPIES.get().clear();
        KEPT_KEY.remove();
    }

    /** How many matrices, and bytes, the calling thread keeps; then how many copies, and bytes. */
    static long[] kept() {
        long bytes = 0;
        for (INDArray a : KEPT.get()) {
            bytes += bytes(a);
        }
        long copyBytes = 0;
        for (double[] c : KEPT_COPIES.get()) {
            copyBytes += 8L * c.length;
        }
        return new long[] {KEPT.get().size(), bytes, KEPT_COPIES.get().size(), copyBytes};
    }

    private static long bytes(INDArray a) {
        return a.length() * a.dataType().width();
    }

    /** One run's matrices; see the class comment. */
    static final class Scope implements AutoCloseable {
        /** The thread's kept matrices not yet taken; null for a scope nested in another. */
        private final List<INDArray> free;
        /** Every matrix handed out in this scope. */
        private final List<INDArray> used = new ArrayList<>();
        /** The copies to keep for the next run. */
        private final List<double[]> copies = new ArrayList<>();
        private final long keepBytes;

        private Scope(List<INDArray> free, long keepBytes) {
            this.free = free;
            this.keepBytes = keepBytes;
        }

        private INDArray take(DataType type, long rows, long cols) {
            for (Iterator<INDArray> it = free.iterator(); it.hasNext();) {
                INDArray a = it.next();
                if (a.wasClosed()) {
                    it.remove();
                } else if (a.dataType() == type && a.rows() == rows && a.columns() == cols) {
                    it.remove();
                    Pointer.memset(a.data().addressPointer(), 0, bytes(a));
                    used.add(a);
                    return a;
                }
            }
            INDArray a = Nd4j.create(type, new long[] {rows, cols}, 'f');
            used.add(a);
            return a;
        }

        /** The copies the thread's last run of this key left, handed over once (none within a nested scope). */
        List<double[]> copies() {
            if (free == null) {
                return new ArrayList<>();
            }
            List<double[]> kept = new ArrayList<>(KEPT_COPIES.get());
            KEPT_COPIES.get().clear();
            return kept;
        }

        /** Copies no longer in use, kept for the thread's next run of this key (after the matrices, in the limit). */
        void keepCopies(java.util.Collection<double[]> done) {
            if (free != null) {
                copies.addAll(done);
            }
        }

        private boolean owns(INDArray a) {
            for (INDArray u : used) {
                if (u == a) {
                    return true;
                }
            }
            return false;
        }

        /** Frees what the run did not take from the last run, and keeps this run's matrices for the next. */
        @Override
        public void close() {
            if (free == null) {
                return;
            }
            ACTIVE.remove();
            for (INDArray a : free) {
                a.close();
            }
            free.clear();
            long bytes = 0;
            for (INDArray a : used) {
                if (a.wasClosed()) {
                    continue;
                }
                if (bytes + bytes(a) <= keepBytes) {
                    bytes += bytes(a);
                    free.add(a);
                } else {
                    a.close();
                }
            }
            used.clear();
            List<double[]> keptCopies = KEPT_COPIES.get();
            keptCopies.clear();
            for (double[] c : copies) {
                if (bytes + 8L * c.length <= keepBytes) {
                    bytes += 8L * c.length;
                    keptCopies.add(c);
                }
            }
            copies.clear();
        }
    }
}
