/* cpu.c — CPU feature detection, the kernel-set choice, and the activation
 * quantizer shared by every path. */
#include "llm/kernels/kernels.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

llm_cpu_level llm_cpu_detect(void)
{
#if (defined(__x86_64__) || defined(__i386__)) && (defined(__GNUC__) || defined(__clang__))
    if (!llm_kernels_have_x86()) return LLM_CPU_SCALAR;
    __builtin_cpu_init();
    int avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    /* F16C has no __builtin_cpu_supports name in every compiler; every
     * CPU with AVX2 has it. */
    if (!avx2) return LLM_CPU_SCALAR;
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
        __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512vnni"))
        return LLM_CPU_AVX512;
    return LLM_CPU_AVX2;
#else
    return LLM_CPU_SCALAR;
#endif
}

static llm_kernels SETS[3];
static int n_sets; /* sets [0, n_sets) are available */
static const llm_kernels *active;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void init_sets(void)
{
    llm_cpu_level best = llm_cpu_detect();
    llm_kernels_init_scalar(&SETS[0]);
    n_sets = 1;
    if (best >= LLM_CPU_AVX2) {
        SETS[1] = SETS[0];
        llm_kernels_init_avx2(&SETS[1]);
        n_sets = 2;
    }
    if (best >= LLM_CPU_AVX512) {
        SETS[2] = SETS[1];
        llm_kernels_init_avx512(&SETS[2]);
        n_sets = 3;
    }
    active = &SETS[n_sets - 1];
    const char *env = getenv("GORILLA_CPU");
    if (env && *env) {
        int want = !strcmp(env, "scalar") ? 0 : !strcmp(env, "avx2") ? 1 : !strcmp(env, "avx512") ? 2 : -1;
        if (want < 0)
            fprintf(stderr, "gorilla: GORILLA_CPU=%s is not one of scalar, avx2, avx512; using %s\n", env,
                    active->name);
        else if (want >= n_sets)
            fprintf(stderr, "gorilla: GORILLA_CPU=%s is not supported by this CPU; using %s\n", env, active->name);
        else
            active = &SETS[want];
    }
}

const llm_kernels *llm_kernels_active(void)
{
    pthread_once(&once, init_sets);
    return active;
}

const llm_kernels *llm_kernels_for(llm_cpu_level level)
{
    pthread_once(&once, init_sets);
    return (int)level >= 0 && (int)level < n_sets ? &SETS[level] : NULL;
}

int llm_kernels_force(llm_cpu_level level)
{
    const llm_kernels *k = llm_kernels_for(level);
    if (!k) return -1;
    active = k;
    return 0;
}

/* Every quantized type runs on 8-bit activations (integer block sums);
 * F32, F16 and BF16 weights keep f32 activations. */
int llm_type_uses_q8(uint32_t type)
{
    return type != QT_F32 && type != QT_F16 && type != QT_BF16 && qtype_get(type) != NULL;
}

void llm_quantize_q8(const float *x, llm_q8 *out, size_t n)
{
    for (size_t b = 0; b < n / 32; b++, x += 32, out++) {
        float amax = 0;
        for (int j = 0; j < 32; j++) {
            float a = fabsf(x[j]);
            amax = a > amax ? a : amax;
        }
        float d = amax / 127.0f, id = amax > 0 ? 127.0f / amax : 0.0f;
        out->d = d;
        int s0 = 0, s1 = 0;
        for (int j = 0; j < 32; j++) {
            int q = (int)lrintf(x[j] * id);
            q = q > 127 ? 127 : q < -127 ? -127 : q;
            out->q[j] = (int8_t)q;
            if (j < 16) s0 += q;
            else s1 += q;
        }
        out->s[0] = (int16_t)s0;
        out->s[1] = (int16_t)s1;
    }
}
