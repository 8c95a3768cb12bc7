/* peak.c — the machine's f32 product throughput, measured: the best of
 * several timed runs of the active kernel on a 240 x 256 x 256 product
 * (operands resident in L2; 15 runs of 40 products, the best kept, so a
 * moment of load from other processes does not lower it), split across
 * the pool like training's.
 * MFU = model FLOP/s in training / this. */
#include <stdlib.h>
#include <time.h>

#include "gorilla/train.h"
#include "train/train_kernels.h"
#include "llm/model/pool.h"

typedef struct {
    const tr_kernels *k;
    tr_gemm_args g;
    size_t M;
} peak_job;

static void peak_tiles(void *ctx, size_t start, size_t end, int thread)
{
    (void)thread;
    const peak_job *j = ctx;
    size_t m1 = end * j->k->mr < j->M ? end * j->k->mr : j->M;
    j->k->gemm(&j->g, start * j->k->mr, m1);
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

double gorilla_train_peak_flops(int n_threads)
{
    enum { M = 240, N = 256, K = 256, REPS = 40, RUNS = 15 };
    float *a = malloc(sizeof(float) * M * K), *b = malloc(sizeof(float) * K * N), *c = malloc(sizeof(float) * M * N);
    llm_pool *pool = llm_pool_new(n_threads > 0 ? n_threads : 1);
    double best = 0;
    if (a && b && c && pool) {
        for (size_t i = 0; i < (size_t)M * K; i++) a[i] = (float)(i % 7) * 0.01f;
        for (size_t i = 0; i < (size_t)K * N; i++) b[i] = (float)(i % 5) * 0.01f;
        peak_job j = {.k = tr_kernels_active(), .M = M};
        j.g = (tr_gemm_args){.N = N, .K = K, .a = a, .sam = K, .sak = 1, .b = b, .ldb = N, .c = c, .ldc = N};
        size_t tiles = (M + j.k->mr - 1) / j.k->mr;
        /* At most about a second in all (a slow host, e.g. valgrind, stops
         * after fewer repetitions; a normal one runs them all in ~0.6 s). */
        double start = now();
        for (int r = 0; r < RUNS && now() - start < 1.0; r++) {
            double t0 = now();
            int reps = 0;
            while (reps < REPS) {
                llm_pool_run(pool, peak_tiles, &j, tiles);
                reps++;
                if (now() - start > 1.0) break;
            }
            double dt = now() - t0;
            double f = 2.0 * M * N * K * reps / dt;
            if (f > best) best = f;
        }
    }
    llm_pool_free(pool);
    free(a);
    free(b);
    free(c);
    return best;
}
