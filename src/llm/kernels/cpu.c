/* cpu.c — CPU feature detection, building the kernel set a model uses, and the activation
 * quantizer shared by every path. */
#include "llm/kernels/kernels.h"

#include "base/error.h"

#include <math.h>
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

int llm_kernels_init(llm_kernels *k, llm_cpu_level level)
{
    if ((int)level < LLM_CPU_SCALAR || level > llm_cpu_detect()) return -1;
    llm_kernels_init_scalar(k);
    if (level >= LLM_CPU_AVX2) llm_kernels_init_avx2(k);
    if (level >= LLM_CPU_AVX512) llm_kernels_init_avx512(k);
    return 0;
}

gorilla_status llm_kernels_choose(const char *name, const char *what, llm_kernels *k, gorilla_error *err)
{
    static const char *const NAMES[] = {"scalar", "avx2", "avx512"};
    llm_cpu_level best = llm_cpu_detect(), want = best;
    if (name && *name) {
        int found = -1;
        for (int i = 0; i < 3; i++)
            if (!strcmp(name, NAMES[i])) found = i;
        if (found < 0)
            return gorilla_fail(err, GORILLA_ERR_INVALID, "%s=%.64s is not one of scalar, avx2, avx512", what, name);
        want = (llm_cpu_level)found;
        if (want > best)
            return gorilla_fail(err, GORILLA_ERR_UNSUPPORTED, "%s=%s is not supported by this CPU (the best is %s)",
                                what, name, NAMES[best]);
    }
    (void)llm_kernels_init(k, want);
    return GORILLA_OK;
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
