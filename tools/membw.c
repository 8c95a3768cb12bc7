/* membw — the machine's memory read bandwidth: streams a buffer (default
 * 1 GiB) with THREADS threads, best of REPS passes, and prints GB/s.
 *
 *   membw [-t THREADS] [-m MIB] [-r REPS] [--json]
 *
 * Each thread sums its slice of 64-bit words (the sum is printed to keep
 * the loads); decode reads every weight once per token, so this bounds
 * decode speed: tok/s <= bandwidth / weight bytes. */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct {
    const uint64_t *p;
    size_t n;
    uint64_t sum;
} slice;

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
/* 256-bit loads, 4 independent accumulators. */
__attribute__((target("avx2"))) static uint64_t sum_avx2(const uint64_t *p, size_t n)
{
    __m256i a0 = _mm256_setzero_si256(), a1 = a0, a2 = a0, a3 = a0;
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        a0 = _mm256_add_epi64(a0, _mm256_loadu_si256((const __m256i *)(p + i)));
        a1 = _mm256_add_epi64(a1, _mm256_loadu_si256((const __m256i *)(p + i + 4)));
        a2 = _mm256_add_epi64(a2, _mm256_loadu_si256((const __m256i *)(p + i + 8)));
        a3 = _mm256_add_epi64(a3, _mm256_loadu_si256((const __m256i *)(p + i + 12)));
    }
    __m256i a = _mm256_add_epi64(_mm256_add_epi64(a0, a1), _mm256_add_epi64(a2, a3));
    uint64_t v[4];
    _mm256_storeu_si256((__m256i *)v, a);
    return v[0] ^ v[1] ^ v[2] ^ v[3];
}
#define HAVE_AVX2_SUM 1
#endif

static void *reader(void *arg)
{
    slice *s = arg;
#ifdef HAVE_AVX2_SUM
    if (__builtin_cpu_supports("avx2")) {
        s->sum = sum_avx2(s->p, s->n);
        return NULL;
    }
#endif
    uint64_t a0 = 0, a1 = 0, a2 = 0, a3 = 0;
    for (size_t i = 0; i + 4 <= s->n; i += 4) {
        a0 += s->p[i];
        a1 += s->p[i + 1];
        a2 += s->p[i + 2];
        a3 += s->p[i + 3];
    }
    s->sum = a0 ^ a1 ^ a2 ^ a3;
    return NULL;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
    int threads = 2, reps = 5, json = 0;
    size_t mib = 1024;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-t") && i + 1 < argc) threads = (int)strtol(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "-m") && i + 1 < argc) mib = (size_t)strtoul(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "-r") && i + 1 < argc) reps = (int)strtol(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--json")) json = 1;
        else {
            fprintf(stderr, "usage: membw [-t THREADS] [-m MIB] [-r REPS] [--json]\n");
            return 2;
        }
    }
    if (threads < 1 || threads > 256 || reps < 1 || mib < 1) {
        fprintf(stderr, "membw: bad arguments\n");
        return 2;
    }
    size_t bytes = mib << 20, n = bytes / 8;
    uint64_t *buf = malloc(bytes);
    if (!buf) {
        fprintf(stderr, "membw: cannot allocate %zu MiB\n", mib);
        return 1;
    }
    for (size_t i = 0; i < n; i++) buf[i] = i * 0x9E3779B97F4A7C15ull; /* touch every page */
    slice *sl = calloc((size_t)threads, sizeof *sl);
    pthread_t *th = calloc((size_t)threads, sizeof *th);
    double best = 0;
    uint64_t chk = 0;
    for (int r = 0; r < reps; r++) {
        size_t per = n / (size_t)threads;
        double t0 = now();
        for (int i = 0; i < threads; i++) {
            sl[i] = (slice){buf + (size_t)i * per, per, 0};
            pthread_create(&th[i], NULL, reader, &sl[i]);
        }
        for (int i = 0; i < threads; i++) {
            pthread_join(th[i], NULL);
            chk ^= sl[i].sum;
        }
        double gbs = (double)per * (size_t)threads * 8 / (now() - t0) / 1e9;
        if (gbs > best) best = gbs;
    }
    if (json) printf("{\"threads\": %d, \"mib\": %zu, \"read_gb_s\": %.2f, \"check\": %llu}\n", threads, mib, best,
                     (unsigned long long)(chk & 0xFF));
    else printf("read bandwidth: %.2f GB/s (%d threads, %zu MiB, best of %d)\n", best, threads, mib, reps);
    free(sl);
    free(th);
    free(buf);
    return 0;
}
