package org.ranksweep.trainer.linalg;

/** Scalar summaries of a singular spectrum. */
public final class SpectralMetrics {
    private SpectralMetrics() {
    }

    /**
     * Effective rank (Roy and Vetterli, 2007): exp(H(p)) with p_i = s_i / sum(s) and H the Shannon
     * entropy (natural log, 0 log 0 = 0). 0 for the zero matrix.
     */
    public static double effectiveRank(double[] sv) {
        double sum = 0;
        for (double s : sv) {
            sum += s;
        }
        if (!(sum > 0)) {
            return 0;
        }
        double h = 0;
        for (double s : sv) {
            if (s > 0) {
                double p = s / sum;
                h -= p * Math.log(p);
            }
        }
        return Math.exp(h);
    }

    /** Stable rank ||A||_F^2 / ||A||_2^2 = sum(s_i^2) / s_max^2. 0 for the zero matrix. */
    public static double stableRank(double[] sv) {
        double max = 0;
        double sq = 0;
        for (double s : sv) {
            max = Math.max(max, s);
            sq += s * s;
        }
        return max > 0 ? sq / (max * max) : 0;
    }
}
