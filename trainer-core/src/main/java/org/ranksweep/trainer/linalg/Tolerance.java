package org.ranksweep.trainer.linalg;

import java.util.Locale;
import org.ranksweep.trainer.config.ConfigException;

/**
 * A rank tolerance: a singular value counts towards the rank when it is strictly greater than the
 * threshold (numpy's {@code S > tol}).
 * <ul>
 * <li>{@code numpy}: numpy's {@code matrix_rank} default, sigma_max * max(m, n) * eps.</li>
 * <li>{@code rel:t}: t * sigma_max.</li>
 * <li>{@code abs:t}: t.</li>
 * </ul>
 * Every threshold follows the precision: it is never below the numpy floor sigma_max * max(m, n) * eps
 * of the precision the run trains in, since singular values under it are rounding noise.
 */
public final class Tolerance {
    public enum Kind { NUMPY, REL, ABS }

    private final Kind kind;
    private final double value;
    private final String text;

    private Tolerance(Kind kind, double value, String text) {
        this.kind = kind;
        this.value = value;
        this.text = text;
    }

    public static final Tolerance NUMPY = new Tolerance(Kind.NUMPY, 0, "numpy");

    public static Tolerance rel(double t) {
        return new Tolerance(Kind.REL, t, "rel:" + format(t));
    }

    public static Tolerance abs(double t) {
        return new Tolerance(Kind.ABS, t, "abs:" + format(t));
    }

    /** Parses (spelling kept as written, lower-cased) {@code numpy}, {@code rel:1e-3} or {@code abs:1e-8}; {@code field} names the setting in errors. */
    public static Tolerance parse(String field, String spec) {
        if (spec == null) {
            throw new ConfigException(field, "must be numpy, rel:<t> or abs:<t>", null);
        }
        String s = spec.trim().toLowerCase(Locale.ROOT);
        if (s.equals("numpy")) {
            return NUMPY;
        }
        Tolerance parsed = null;
        int colon = s.indexOf(':');
        if (colon > 0) {
            String kind = s.substring(0, colon);
            double t;
            try {
                t = Double.parseDouble(s.substring(colon + 1));
            } catch (NumberFormatException e) {
                throw new ConfigException(field, "tolerance value must be a number", spec);
            }
            if (!(t > 0) || Double.isInfinite(t)) {
                throw new ConfigException(field, "tolerance value must be > 0 and finite", spec);
            }
            if (kind.equals("rel")) {
                if (t >= 1) {
                    throw new ConfigException(field, "a relative tolerance must be < 1", spec);
                }
                parsed = new Tolerance(Kind.REL, t, s);
            } else if (kind.equals("abs")) {
                parsed = new Tolerance(Kind.ABS, t, s);
            }
        }
        if (parsed != null) {
            return parsed;
        }
        throw new ConfigException(field, "must be numpy, rel:<t> or abs:<t>", spec);
    }

    public Kind kind() {
        return kind;
    }

    /**
     * The threshold for an m x n matrix whose largest singular value is {@code sigmaMax}, computed in a
     * precision with machine epsilon {@code eps}.
     */
    public double threshold(double sigmaMax, int m, int n, double eps) {
        double floor = sigmaMax * Math.max(m, n) * eps;
        switch (kind) {
            case REL:
                return Math.max(value * sigmaMax, floor);
            case ABS:
                return Math.max(value, floor);
            default:
                return floor;
        }
    }

    /** Number of singular values strictly above the threshold ({@code sv} descending or not). */
    public int rank(double[] sv, int m, int n, double eps) {
        double max = 0;
        for (double s : sv) {
            max = Math.max(max, s);
        }
        double tol = threshold(max, m, n, eps);
        int r = 0;
        for (double s : sv) {
            if (s > tol) {
                r++;
            }
        }
        return r;
    }

    /** rank at each of {@code tolerances}, in order. */
    public static int[] ranks(Tolerance[] tolerances, double[] sv, int m, int n, double eps) {
        int[] out = new int[tolerances.length];
        for (int t = 0; t < tolerances.length; t++) {
            out[t] = tolerances[t].rank(sv, m, n, eps);
        }
        return out;
    }

    @Override
    public String toString() {
        return text;
    }

    /** Same kind and value, however it was spelt ({@code rel:1e-3} equals {@code rel:0.001}). */
    @Override
    public boolean equals(Object o) {
        return o instanceof Tolerance && ((Tolerance) o).kind == kind
                && Double.compare(((Tolerance) o).value, value) == 0;
    }

    @Override
    public int hashCode() {
        return kind.hashCode() * 31 + Double.hashCode(value);
    }

    /** 1e-3 as {@code 1e-3}, 2.5e-4 as {@code 2.5e-4}, 0.5 as {@code 0.5}. */
    private static String format(double t) {
        if (t >= 1e-2 && t < 1e6) {
            return new java.math.BigDecimal(Double.toString(t)).stripTrailingZeros().toPlainString();
        }
        int exp = (int) Math.floor(Math.log10(t));
        java.math.BigDecimal mant = new java.math.BigDecimal(t / Math.pow(10, exp))
                .round(new java.math.MathContext(12)).stripTrailingZeros();
        return mant.toPlainString() + "e" + exp;
    }
}
