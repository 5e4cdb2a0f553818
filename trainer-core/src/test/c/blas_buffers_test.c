/*
 * The tests of src/main/c/blas_buffers.c, run with it preloaded (LD_PRELOAD) on an OpenBLAS given as argv[1]
 * (BlasBuffersTest passes ND4J's). Prints "ok" and exits 0, or names what failed and exits 1.
 *   gcc -O2 -o blas_buffers_test blas_buffers_test.c -ldl -lpthread
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef void (*dgemm_t)(int, int, int, int, int, int, double, const double *, int, const double *, int, double,
                        double *, int);
static dgemm_t dgemm;
static void *(*alloc)(int);
static void (*release)(void *);
static long (*takes)(void);
static int (*mapped)(void);

#define SHAPES 4
static const int SHAPE[SHAPES][3] = {{8, 8, 8}, {20, 200, 30}, {301, 97, 150}, {640, 480, 520}};
static double *a[SHAPES], *b[SHAPES], *want[SHAPES];
static int failed;

static void fail(const char *what) {
    printf("%s\n", what);
    failed = 1;
}

static double *filled(size_t n, unsigned seed) {
    double *x = malloc(n * sizeof(double));
    for (size_t i = 0; i < n; i++) {
        seed = seed * 1103515245u + 12345u;
        x[i] = (double) (seed >> 8) / (double) (1u << 24) - 0.5;
    }
    return x;
}

static void gemm(int s, double *c) {
    int m = SHAPE[s][0], n = SHAPE[s][1], k = SHAPE[s][2];
    dgemm(102, 111, 111, m, n, k, 1.0, a[s], m, b[s], k, 0.0, c, m); /* column-major, no transposes */
}

/* every shape, many times, on this thread: the bits of the one-thread result each time */
static void *worker(void *arg) {
    (void) arg;
    for (int round = 0; round < 20; round++) {
        for (int s = 0; s < SHAPES; s++) {
            size_t len = (size_t) SHAPE[s][0] * SHAPE[s][1];
            double *c = malloc(len * sizeof(double));
            gemm(s, c);
            if (memcmp(c, want[s], len * sizeof(double)) != 0) {
                fail("a GEMM on four threads differs from the one-thread result");
            }
            free(c);
        }
    }
    return NULL;
}

static void *take(void *out) {
    *(void **) out = alloc(0);
    return NULL;
}

struct eight {
    void *p[8];
};

/* a new thread's first eight buffers, given back */
static void *take_eight(void *out) {
    struct eight *e = out;
    for (int i = 0; i < 8; i++) {
        e->p[i] = alloc(0);
    }
    for (int i = 0; i < 8; i++) {
        release(e->p[i]);
    }
    return NULL;
}

static void *take_release(void *arg) {
    (void) arg;
    release(alloc(0));
    return NULL;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: blas_buffers_test OPENBLAS.so\n");
        return 2;
    }
    void *lib = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
    if (lib == NULL) {
        printf("cannot load %s: %s\n", argv[1], dlerror());
        return 1;
    }
    dgemm = (dgemm_t) dlsym(lib, "cblas_dgemm");
    alloc = (void *(*)(int)) dlsym(RTLD_DEFAULT, "blas_memory_alloc");
    release = (void (*)(void *)) dlsym(RTLD_DEFAULT, "blas_memory_free");
    takes = (long (*)(void)) dlsym(RTLD_DEFAULT, "rank_sweep_blas_buffers_takes");
    mapped = (int (*)(void)) dlsym(RTLD_DEFAULT, "rank_sweep_blas_buffers_mapped");
    if (dgemm == NULL || alloc == NULL || release == NULL || takes == NULL || mapped == NULL) {
        printf("missing symbols: is the library preloaded?\n");
        return 1;
    }

    /* OpenBLAS's own calls reach the preloaded functions */
    for (int s = 0; s < SHAPES; s++) {
        a[s] = filled((size_t) SHAPE[s][0] * SHAPE[s][2], 7u + s);
        b[s] = filled((size_t) SHAPE[s][2] * SHAPE[s][1], 11u + s);
        want[s] = malloc((size_t) SHAPE[s][0] * SHAPE[s][1] * sizeof(double));
        gemm(s, want[s]);
    }
    if (takes() < 1) {
        fail("cblas_dgemm did not take its buffer from the preloaded functions");
    }

    /* four threads at once get the one-thread bits */
    pthread_t t[4];
    for (int i = 0; i < 4; i++) {
        pthread_create(&t[i], NULL, worker, NULL);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
    }
    if (mapped() > 16) { /* a buffer a call would be 320; the threads, OpenBLAS's own included, hold a few each */
        fail("a buffer mapped per call");
    }

    /* a thread's buffers pass to the next thread: 50 threads one after another map nothing new */
    int before = mapped();
    for (int i = 0; i < 50; i++) {
        pthread_create(&t[0], NULL, take_release, NULL);
        pthread_join(t[0], NULL);
    }
    if (mapped() != before) {
        fail("threads that came and went mapped new buffers");
    }

    /* nested: a thread holds several at once, each distinct; past eight they come from OpenBLAS's pool */
    void *held[12];
    for (int i = 0; i < 12; i++) {
        held[i] = alloc(0);
        if (held[i] == NULL) {
            fail("no buffer");
        }
        for (int j = 0; j < i; j++) {
            if (held[i] == held[j]) {
                fail("one buffer handed out twice");
            }
        }
    }
    for (int i = 0; i < 12; i++) {
        release(held[i]);
    }
    if (alloc(0) != held[0]) {
        fail("a thread's first buffer is not handed back to it");
    }
    release(held[0]);

    /* taken on one thread, freed on another, then free for its owner again */
    void *p = NULL;
    pthread_create(&t[0], NULL, take, &p);
    pthread_join(t[0], NULL); /* its thread ended holding it: nobody else may get it */
    void *q = alloc(0);
    if (q == p) {
        fail("a buffer still out was handed to another thread");
    }
    release(q);
    release(p); /* freed here, on another thread than took it */
    struct eight got = {{NULL}};
    pthread_create(&t[0], NULL, take_eight, &got);
    pthread_join(t[0], NULL);
    int reused = 0;
    for (int i = 0; i < 8; i++) {
        reused |= got.p[i] == p;
    }
    if (!reused) {
        fail("a buffer freed by another thread never came back");
    }

    if (!failed) {
        printf("ok\n");
    }
    return failed;
}
