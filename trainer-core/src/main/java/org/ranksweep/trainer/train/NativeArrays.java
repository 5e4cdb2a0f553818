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
    private static final ThreadLocal<Kept> KEPT = ThreadLocal.withInitial(Kept::new);

    /** What a thread's last run left for its next one. */
    private static final class Kept {
        /** The key of the scope that left them. */
        Object key;
        /** Its matrices, free to take. */
        final List<INDArray> matrices = new ArrayList<>();
        /** Its checkpoint copies (Java arrays): a VM is as slow to hand out new heap as new native memory. */
        final List<double[]> copies = new ArrayList<>();
    }

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
        Kept kept = KEPT.get();
        if (!key.equals(kept.key)) {
            clear();
        }
        kept.key = key;
        Scope s = new Scope(kept, keepBytes);
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
        Kept kept = KEPT.get();
        for (INDArray a : kept.matrices) {
            a.close();
        }
        kept.matrices.clear();
        kept.copies.clear();
        kept.key = null;
    }

    /** How many matrices, and bytes, the calling thread keeps; then how many copies, and bytes. */
    static long[] kept() {
        Kept kept = KEPT.get();
        long bytes = 0;
        for (INDArray a : kept.matrices) {
            bytes += bytes(a);
        }
        long copyBytes = 0;
        for (double[] c : kept.copies) {
            copyBytes += bytes(c);
        }
        return new long[] {kept.matrices.size(), bytes, kept.copies.size(), copyBytes};
    }

    private static long bytes(INDArray a) {
        return a.length() * a.dataType().width();
    }

    private static long bytes(double[] c) {
        return 8L * c.length;
    }

    /** One run's matrices; see the class comment. */
    static final class Scope implements AutoCloseable {
        /** What the thread's last run left (its matrices not yet taken); null for a scope nested in another. */
        private final Kept kept;
        /** Every matrix handed out in this scope. */
        private final List<INDArray> used = new ArrayList<>();
        /** The copies to keep for the next run. */
        private final List<double[]> copies = new ArrayList<>();
        private final long keepBytes;

        private Scope(Kept kept, long keepBytes) {
            this.kept = kept;
            this.keepBytes = keepBytes;
        }

        private INDArray take(DataType type, long rows, long cols) {
            for (Iterator<INDArray> it = kept.matrices.iterator(); it.hasNext();) {
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
            if (kept == null) {
                return new ArrayList<>();
            }
            List<double[]> out = new ArrayList<>(kept.copies);
            kept.copies.clear();
            return out;
        }

        /** Copies no longer in use, kept for the thread's next run of this key (after the matrices, in the limit). */
        void keepCopies(java.util.Collection<double[]> done) {
            if (kept != null) {
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

        /** Frees what the run did not take from the last run, and keeps this run's matrices and copies for the next. */
        @Override
        public void close() {
            if (kept == null) {
                return;
            }
            ACTIVE.remove();
            for (INDArray a : kept.matrices) {
                a.close();
            }
            kept.matrices.clear();
            kept.copies.clear();
            long bytes = 0;
            for (INDArray a : used) {
                if (a.wasClosed()) {
                    continue;
                }
                if (bytes + bytes(a) <= keepBytes) {
                    bytes += bytes(a);
                    kept.matrices.add(a);
                } else {
                    a.close();
                }
            }
            for (double[] c : copies) {
                if (bytes + bytes(c) <= keepBytes) {
                    bytes += bytes(c);
                    kept.copies.add(c);
                }
            }
            used.clear();
            copies.clear();
        }
    }
}
