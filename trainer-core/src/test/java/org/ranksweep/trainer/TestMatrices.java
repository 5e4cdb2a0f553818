package org.ranksweep.trainer;

import java.util.Random;

/**
 * Plain-Java linear algebra for tests: independent of BLAS/LAPACK/ND4J, so the code under test is
 * checked against something it does not share. Matrices are column-major double[].
 */
public final class TestMatrices {
    /** Agreement expected between two exact-arithmetic-equal float64 computations of small size. */
    public static final double F64_TIGHT = 1e-12;
    /** Agreement expected after O(n^3) float64 work with different summation orders. */
    public static final double F64_LOOSE = 1e-9;

    private TestMatrices() {
    }

    public static double[] gaussian(Random rnd, int n, double std) {
        double[] a = new double[n];
        for (int i = 0; i < n; i++) {
            a[i] = std * rnd.nextGaussian();
        }
        return a;
    }

    /** rows x cols with orthonormal columns (rows &gt;= cols), by modified Gram-Schmidt applied twice. */
    public static double[] orthonormalColumns(Random rnd, int rows, int cols) {
        double[] q = gaussian(rnd, rows * cols, 1.0);
        for (int pass = 0; pass < 2; pass++) {
            for (int j = 0; j < cols; j++) {
                for (int k = 0; k < j; k++) {
                    double dot = 0;
                    for (int i = 0; i < rows; i++) {
                        dot += q[k * rows + i] * q[j * rows + i];
                    }
                    for (int i = 0; i < rows; i++) {
                        q[j * rows + i] -= dot * q[k * rows + i];
                    }
                }
                double n = 0;
                for (int i = 0; i < rows; i++) {
                    n += q[j * rows + i] * q[j * rows + i];
                }
                n = Math.sqrt(n);
                for (int i = 0; i < rows; i++) {
                    q[j * rows + i] /= n;
                }
            }
        }
        return q;
    }

    /** U diag(s) V^T for an m x n matrix with the given min(m, n) singular values. */
    public static double[] withSingularValues(Random rnd, int m, int n, double[] s) {
        int k = Math.min(m, n);
        double[] u = orthonormalColumns(rnd, m, k);
        double[] v = orthonormalColumns(rnd, n, k);
        double[] a = new double[m * n];
        for (int t = 0; t < k; t++) {
            for (int j = 0; j < n; j++) {
                double vj = s[t] * v[t * n + j];
                for (int i = 0; i < m; i++) {
                    a[j * m + i] += u[t * m + i] * vj;
                }
            }
        }
        return a;
    }

    /** C = A B, A m x k, B k x n. */
    public static double[] mul(double[] a, double[] b, int m, int k, int n) {
        double[] c = new double[m * n];
        for (int j = 0; j < n; j++) {
            for (int p = 0; p < k; p++) {
                double bpj = b[j * k + p];
                for (int i = 0; i < m; i++) {
                    c[j * m + i] += a[p * m + i] * bpj;
                }
            }
        }
        return c;
    }

    /** A^T for A rows x cols. */
    public static double[] transpose(double[] a, int rows, int cols) {
        double[] t = new double[a.length];
        for (int j = 0; j < cols; j++) {
            for (int i = 0; i < rows; i++) {
                t[i * cols + j] = a[j * rows + i];
            }
        }
        return t;
    }

    /** Solves the symmetric positive definite system A X = B (A n x n, B n x r) by Cholesky. */
    public static double[] solveSpd(double[] a, double[] b, int n, int r) {
        double[] l = new double[n * n];
        for (int j = 0; j < n; j++) {
            double d = a[j * n + j];
            for (int k = 0; k < j; k++) {
                d -= l[k * n + j] * l[k * n + j];
            }
            l[j * n + j] = Math.sqrt(d);
            for (int i = j + 1; i < n; i++) {
                double v = a[j * n + i];
                for (int k = 0; k < j; k++) {
                    v -= l[k * n + i] * l[k * n + j];
                }
                l[j * n + i] = v / l[j * n + j];
            }
        }
        double[] x = b.clone();
        for (int c = 0; c < r; c++) {
            for (int i = 0; i < n; i++) { // forward: L z = b
                double v = x[c * n + i];
                for (int k = 0; k < i; k++) {
                    v -= l[k * n + i] * x[c * n + k];
                }
                x[c * n + i] = v / l[i * n + i];
            }
            for (int i = n - 1; i >= 0; i--) { // back: L^T x = z
                double v = x[c * n + i];
                for (int k = i + 1; k < n; k++) {
                    v -= l[i * n + k] * x[c * n + k];
                }
                x[c * n + i] = v / l[i * n + i];
            }
        }
        return x;
    }

    /** Eigenvalues of a symmetric n x n matrix by cyclic Jacobi rotations, descending. */
    public static double[] symmetricEigenvalues(double[] sym, int n) {
        double[] a = sym.clone();
        for (int sweep = 0; sweep < 100; sweep++) {
            double off = 0;
            for (int j = 0; j < n; j++) {
                for (int i = 0; i < n; i++) {
                    if (i != j) {
                        off += a[j * n + i] * a[j * n + i];
                    }
                }
            }
            if (off < 1e-30) {
                break;
            }
            for (int p = 0; p < n; p++) {
                for (int q = p + 1; q < n; q++) {
                    double apq = a[q * n + p];
                    if (Math.abs(apq) < 1e-300) {
                        continue;
                    }
                    double theta = (a[q * n + q] - a[p * n + p]) / (2 * apq);
                    double t = Math.signum(theta) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
                    if (theta == 0) {
                        t = 1;
                    }
                    double c = 1 / Math.sqrt(t * t + 1);
                    double s = t * c;
                    for (int k = 0; k < n; k++) { // columns p, q
                        double akp = a[p * n + k];
                        double akq = a[q * n + k];
                        a[p * n + k] = c * akp - s * akq;
                        a[q * n + k] = s * akp + c * akq;
                    }
                    for (int k = 0; k < n; k++) { // rows p, q
                        double apk = a[k * n + p];
                        double aqk = a[k * n + q];
                        a[k * n + p] = c * apk - s * aqk;
                        a[k * n + q] = s * apk + c * aqk;
                    }
                }
            }
        }
        double[] ev = new double[n];
        for (int i = 0; i < n; i++) {
            ev[i] = a[i * n + i];
        }
        java.util.Arrays.sort(ev);
        for (int i = 0; i < n / 2; i++) {
            double t = ev[i];
            ev[i] = ev[n - 1 - i];
            ev[n - 1 - i] = t;
        }
        return ev;
    }

    public static double frobeniusSq(double[] a) {
        double s = 0;
        for (double v : a) {
            s += v * v;
        }
        return s;
    }
}
