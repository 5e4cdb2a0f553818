/*
 * Per-thread packing buffers for OpenBLAS, preloaded into a JVM that trains (LD_PRELOAD; bin/sweep does it).
 *
 * Every level-3 call of OpenBLAS 0.3.x (as ND4J ships it, and as Debian's is built) takes a packing buffer with
 * blas_memory_alloc and gives it back with blas_memory_free: one pool per process, under one mutex, scanned from
 * its first buffer. Threads that call at once queue on that mutex and trade buffers, so a buffer's cache lines
 * move between cores with every call. On two threads making small GEMMs (20 ms runs, 70,000 calls a second each)
 * that costs about 10% of their CPU (BENCHMARKS.md, "Session 16").
 *
 * OpenBLAS calls both functions through its PLT, so these definitions take their place. A thread keeps the
 * buffers it has taken (up to PER_THREAD) and takes them again without a lock; a buffer outlives its thread and
 * goes to the next thread that needs one, so its pages are touched once. A thread that holds more than PER_THREAD
 * at once, or a process past SLOTS, gets a buffer mapped for the call and unmapped at its free. Where the kernel
 * refuses the mapping (strict overcommit), OpenBLAS's own blas_memory_alloc is asked, when the loader can find
 * it; a pointer this file did not hand out goes to OpenBLAS's own blas_memory_free. The arithmetic is OpenBLAS's:
 * only where the packed panels live changes.
 *
 *   gcc -O2 -shared -fPIC -o librank-sweep-blas-buffers.so blas_buffers.c -ldl -lpthread
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/mman.h>

#define SLOTS 256
#define PER_THREAD 8
/* OpenBLAS sizes its GEMM_R panels from its BUFFER_SIZE (128 or 256 MB on x86-64): reserved, touched as used */
#define SLOT_BYTES ((size_t) 512 << 20)

/* a cache line each: a thread's writes to its slot must not move another thread's line */
static struct {
    _Alignas(64) _Atomic uintptr_t owner; /* 0: none; else the owning thread's token */
    _Atomic int used;
    void *_Atomic addr;
} slots[SLOTS];
static _Atomic int high; /* slots ever mapped: [0, high) */
static _Atomic uintptr_t tokens;
static _Atomic long takes;

static __thread uintptr_t token;
static __thread int mine[PER_THREAD];
static __thread int nmine;
static pthread_key_t exit_key;
static pthread_once_t once = PTHREAD_ONCE_INIT;
static void *(*real_alloc)(int);
static void (*real_free)(void *);

/* buffers past the slots: mapped for one take, unmapped at its free */
#define EXTRA 1024
static void *extra[EXTRA];
static int nextra;
static pthread_mutex_t extra_lock = PTHREAD_MUTEX_INITIALIZER;

/* at a thread's end its buffers go back to the common slots, mapped, for the next thread */
static void on_thread_exit(void *unused) {
    (void) unused;
    for (int k = 0; k < nmine; k++) {
        atomic_store(&slots[mine[k]].owner, 0);
    }
    nmine = 0;
}

static void init(void) {
    pthread_key_create(&exit_key, on_thread_exit);
    real_alloc = (void *(*)(int)) dlsym(RTLD_NEXT, "blas_memory_alloc");
    real_free = (void (*)(void *)) dlsym(RTLD_NEXT, "blas_memory_free");
}

/* For tests: buffers taken from the slots so far (a thread's first take of a slot counts once), slots mapped. */
long rank_sweep_blas_buffers_takes(void) { return atomic_load(&takes); }
int rank_sweep_blas_buffers_mapped(void) { return atomic_load(&high); }

static void *take_slot(void) {
    if (token == 0) {
        token = atomic_fetch_add(&tokens, 1) + 1;
        pthread_setspecific(exit_key, (void *) 1); /* non-null, so on_thread_exit runs */
    }
    for (int s = 0; s < SLOTS; s++) {
        uintptr_t none = 0;
        /* a slot left by a thread that ended while its buffer was out stays out until it is freed */
        if (atomic_load(&slots[s].owner) != 0 || atomic_load(&slots[s].used)
                || !atomic_compare_exchange_strong(&slots[s].owner, &none, token)) {
            continue;
        }
        void *p = atomic_load(&slots[s].addr);
        if (p == NULL) {
            p = mmap(NULL, SLOT_BYTES, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
            if (p == MAP_FAILED) {
                atomic_store(&slots[s].owner, 0);
                return NULL;
            }
            atomic_store(&slots[s].addr, p);
            int h = atomic_load(&high);
            while (h < s + 1 && !atomic_compare_exchange_weak(&high, &h, s + 1)) {
            }
        }
        atomic_store(&slots[s].used, 1);
        mine[nmine++] = s;
        atomic_fetch_add(&takes, 1);
        return p;
    }
    return NULL;
}

static void *map_extra(void) {
    void *p = mmap(NULL, SLOT_BYTES, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED) {
        return NULL;
    }
    pthread_mutex_lock(&extra_lock);
    if (nextra == EXTRA) {
        pthread_mutex_unlock(&extra_lock);
        munmap(p, SLOT_BYTES);
        return NULL;
    }
    extra[nextra++] = p;
    pthread_mutex_unlock(&extra_lock);
    return p;
}

static int unmap_extra(void *p) {
    pthread_mutex_lock(&extra_lock);
    for (int i = 0; i < nextra; i++) {
        if (extra[i] == p) {
            extra[i] = extra[--nextra];
            pthread_mutex_unlock(&extra_lock);
            munmap(p, SLOT_BYTES);
            return 1;
        }
    }
    pthread_mutex_unlock(&extra_lock);
    return 0;
}

void *blas_memory_alloc(int procpos) {
    /* procpos: OpenBLAS's hint of the caller (level 3, level 2, a thread of its pool), only passed on */
    pthread_once(&once, init);
    for (int k = 0; k < nmine; k++) {
        int s = mine[k];
        if (!atomic_load(&slots[s].used)) {
            atomic_store(&slots[s].used, 1);
            return atomic_load(&slots[s].addr);
        }
    }
    void *p = nmine < PER_THREAD ? take_slot() : NULL;
    if (p == NULL) {
        p = map_extra();
    }
    if (p == NULL && real_alloc != NULL) {
        p = real_alloc(procpos);
    }
    return p;
}

void blas_memory_free(void *p) {
    for (int k = 0; k < nmine; k++) { /* the usual case, touching no other thread's line */
        if (atomic_load(&slots[mine[k]].addr) == p) {
            atomic_store(&slots[mine[k]].used, 0);
            return;
        }
    }
    int h = atomic_load(&high);
    for (int s = 0; s < h; s++) { /* freed by another thread than took it */
        if (atomic_load(&slots[s].addr) == p) {
            atomic_store(&slots[s].used, 0);
            return;
        }
    }
    if (unmap_extra(p)) {
        return;
    }
    pthread_once(&once, init);
    if (real_free != NULL) {
        real_free(p);
    }
}
