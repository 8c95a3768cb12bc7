/* quant.c — the type table: names, block sizes, (de)quantizers. */
#include "llm/quant/quant.h"

#include <stddef.h>

static const qtype_traits TRAITS[QT_COUNT] = {
    [QT_F32] = {"F32", 1, 4, qt_dequant_f32, qt_quant_f32},
    [QT_F16] = {"F16", 1, 2, qt_dequant_f16, qt_quant_f16},
    [QT_BF16] = {"BF16", 1, 2, qt_dequant_bf16, qt_quant_bf16},
    [QT_Q4_0] = {"Q4_0", QK4_0, QB_Q4_0, qt_dequant_q4_0, qt_quant_q4_0},
    [QT_Q4_1] = {"Q4_1", QK4_1, QB_Q4_1, qt_dequant_q4_1, qt_quant_q4_1},
    [QT_Q5_0] = {"Q5_0", QK5_0, QB_Q5_0, qt_dequant_q5_0, qt_quant_q5_0},
    [QT_Q5_1] = {"Q5_1", QK5_1, QB_Q5_1, qt_dequant_q5_1, qt_quant_q5_1},
    [QT_Q8_0] = {"Q8_0", QK8_0, QB_Q8_0, qt_dequant_q8_0, qt_quant_q8_0},
    [QT_Q2_K] = {"Q2_K", QK_K, QB_Q2_K, qt_dequant_q2_k, qt_quant_q2_k},
    [QT_Q3_K] = {"Q3_K", QK_K, QB_Q3_K, qt_dequant_q3_k, qt_quant_q3_k},
    [QT_Q4_K] = {"Q4_K", QK_K, QB_Q4_K, qt_dequant_q4_k, qt_quant_q4_k},
    [QT_Q5_K] = {"Q5_K", QK_K, QB_Q5_K, qt_dequant_q5_k, qt_quant_q5_k},
    [QT_Q6_K] = {"Q6_K", QK_K, QB_Q6_K, qt_dequant_q6_k, qt_quant_q6_k},
};

/* Names of known ggml types this engine does not run (for messages). */
static const char *other_name(uint32_t type)
{
    switch (type) {
    case 4: return "Q4_2";
    case 5: return "Q4_3";
    case 9: return "Q8_1";
    case 15: return "Q8_K";
    case 16: return "IQ2_XXS";
    case 17: return "IQ2_XS";
    case 18: return "IQ3_XXS";
    case 19: return "IQ1_S";
    case 20: return "IQ4_NL";
    case 21: return "IQ3_S";
    case 22: return "IQ2_S";
    case 23: return "IQ4_XS";
    case 24: return "I8";
    case 25: return "I16";
    case 26: return "I32";
    case 27: return "I64";
    case 28: return "F64";
    case 29: return "IQ1_M";
    default: return "?";
    }
}

const qtype_traits *qtype_get(uint32_t type)
{
    if (type >= QT_COUNT || !TRAITS[type].name) return NULL;
    return &TRAITS[type];
}

const char *qtype_name(uint32_t type)
{
    const qtype_traits *t = qtype_get(type);
    return t ? t->name : other_name(type);
}

size_t qtype_row_size(uint32_t type, size_t n)
{
    const qtype_traits *t = qtype_get(type);
    if (!t) return 0;
    return n / t->block_size * t->type_size;
}

void dequantize_row(uint32_t type, const void *src, float *dst, size_t n)
{
    TRAITS[type].dequantize(src, dst, n);
}

void quantize_row(uint32_t type, const float *src, void *dst, size_t n)
{
    TRAITS[type].quantize(src, dst, n);
}

float dot_row(uint32_t type, const void *row, const float *x, size_t n)
{
    return qt_dot_kernel(type)(row, x, n);
}
