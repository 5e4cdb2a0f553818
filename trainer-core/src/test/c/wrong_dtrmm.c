/*
 * A cblas_dtrmm that computes the wrong thing (B doubled, L ignored), for the tests of BlasCheck: preloaded into a
 * child JVM (LD_PRELOAD) it takes the place of OpenBLAS's, as a faulty kernel would.
 *   gcc -shared -fPIC -o libwrong_dtrmm.so wrong_dtrmm.c
 */
#include <stddef.h>

void cblas_dtrmm(int layout, int side, int uplo, int trans, int diag, int m, int n, double alpha, const double *a,
                 int lda, double *b, int ldb) {
    (void) layout; (void) side; (void) uplo; (void) trans; (void) diag; (void) a; (void) lda;
    for (int j = 0; j < n; j++) {
        for (int i = 0; i < m; i++) {
            b[(size_t) j * ldb + i] *= 2.0 * alpha;
        }
    }
}
