package org.ranksweep.trainer.linalg;

import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Threads of ND4J's compute: the OpenBLAS it ships (its GEMMs) and libnd4j's OpenMP pool (elementwise
 * ops). Both start from OMP_NUM_THREADS / OPENBLAS_NUM_THREADS and can be changed at run time here.
 * netlib-java's LAPACK (the SVDs) is a separate library whose threads follow OPENBLAS_NUM_THREADS at
 * start-up only.
 */
public final class ComputeThreads {
    private static final Logger LOG = LoggerFactory.getLogger(ComputeThreads.class);

    private ComputeThreads() {
    }

    /** Sets ND4J's BLAS and OpenMP threads to {@code n} (at least 1) and logs the choice. */
    public static void set(int n, String why) {
        int t = Math.max(1, n);
        org.bytedeco.openblas.global.openblas_nolapack.blas_set_num_threads(t);
        Nd4j.getEnvironment().setMaxThreads(t);
        LOG.info("ND4J compute threads: {} ({}); OPENBLAS_NUM_THREADS={} for netlib LAPACK; OpenBLAS buffers: {}", t,
                why, System.getenv("OPENBLAS_NUM_THREADS"), BlasBuffers.describe());
    }

    /**
     * Threads for one run on this machine: {@code requested} if positive, else every core, or every core but
     * one when {@code leaveOne} (the checkpoint spectra then go alongside training on that core).
     */
    public static int forSingleRun(int requested, boolean leaveOne) {
        int cores = Runtime.getRuntime().availableProcessors();
        int n = requested > 0 ? requested : leaveOne ? Math.max(1, cores - 1) : cores;
        set(n, requested > 0 ? "--threads" : leaveOne ? "one core left to the checkpoint spectra" : "every core");
        return n;
    }

    /** Sets ND4J's BLAS threads to {@code n} (at least 1), quietly; returns the count before. */
    public static int blas(int n) {
        int before = get();
        org.bytedeco.openblas.global.openblas_nolapack.blas_set_num_threads(Math.max(1, n));
        return before;
    }

    /** ND4J's current BLAS thread count. */
    public static int get() {
        return org.bytedeco.openblas.global.openblas_nolapack.blas_get_num_threads();
    }
}
