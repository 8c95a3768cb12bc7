/* pack.c — Q4_0, Q8_0, Q4_K, Q5_K and Q6_K rows repacked in groups of 16 (the layout
 * is described in kernels.h): 16 rows' 4-byte pieces side by side, so that
 * a vector register holds one piece of every row of the group and the
 * kernels accumulate 16 rows in its lanes. */
#include "llm/kernels/kernels.h"

#include <string.h>

/* Q4_0/Q8_0: pieces of 4 bytes per row and block (0 for other types). */
static int pack_pieces(uint32_t type) { return type == QT_Q4_0 ? 4 : type == QT_Q8_0 ? 8 : 0; }

/* Q4_K: one superblock of 16 rows (layout in kernels.h). */
static void pack_q4_k(const uint8_t *src, size_t row_bytes, size_t i, uint8_t *o)
{
    for (int r = 0; r < LLM_PACK_ROWS; r++) {
        const uint8_t *blk = src + (size_t)r * row_bytes + i * QB_Q4_K;
        memcpy(o + (size_t)2 * r, blk, 2);                   /* d */
        memcpy(o + (size_t)2 * LLM_PACK_ROWS + (size_t)2 * r, blk + 2, 2); /* dmin */
        for (int j = 0; j < 8; j++) {
            int sc, m;
            qt_k4_scale_min(blk + 4, j, &sc, &m);
            o[LLM_PACK_Q4K_SC + 16 * j + r] = (uint8_t)sc;
            o[LLM_PACK_Q4K_MIN + 16 * j + r] = (uint8_t)m;
        }
        for (int c = 0; c < 4; c++)
            for (int k = 0; k < 8; k++)
                memcpy(o + LLM_PACK_Q4K_QS + (size_t)512 * c + (size_t)64 * k + (size_t)4 * r, blk + 16 + (size_t)32 * c + (size_t)4 * k, 4);
    }
}

/* Q5_K: one superblock of 16 rows (layout in kernels.h). */
static void pack_q5_k(const uint8_t *src, size_t row_bytes, size_t i, uint8_t *o)
{
    for (int r = 0; r < LLM_PACK_ROWS; r++) {
        const uint8_t *blk = src + (size_t)r * row_bytes + i * QB_Q5_K;
        memcpy(o + (size_t)2 * r, blk, 2);                                  /* d */
        memcpy(o + (size_t)2 * LLM_PACK_ROWS + (size_t)2 * r, blk + 2, 2); /* dmin */
        for (int j = 0; j < 8; j++) {
            int sc, m;
            qt_k4_scale_min(blk + 4, j, &sc, &m);
            o[LLM_PACK_Q5K_SC + 16 * j + r] = (uint8_t)sc;
            o[LLM_PACK_Q5K_MIN + 16 * j + r] = (uint8_t)m;
        }
        for (size_t k = 0; k < 8; k++) {
            uint8_t *line = o + LLM_PACK_Q5K_LINE * k + (size_t)4 * r;
            memcpy(line + llm_q5k_qh(), blk + 16 + 4 * k, 4);
            for (size_t c = 0; c < 4; c++) memcpy(line + llm_q5k_qs(c), blk + 48 + 32 * c + 4 * k, 4);
        }
    }
}

static void unpack_q5_k(const uint8_t *o, int r, uint8_t *blk)
{
    int sc[8], m[8];
    memcpy(blk, o + (size_t)2 * r, 2);
    memcpy(blk + 2, o + (size_t)2 * LLM_PACK_ROWS + (size_t)2 * r, 2);
    for (int j = 0; j < 8; j++) {
        sc[j] = o[LLM_PACK_Q5K_SC + 16 * j + r];
        m[j] = o[LLM_PACK_Q5K_MIN + 16 * j + r];
    }
    qt_k4_pack_scale_min(blk + 4, sc, m);
    for (size_t k = 0; k < 8; k++) {
        const uint8_t *line = o + LLM_PACK_Q5K_LINE * k + (size_t)4 * r;
        memcpy(blk + 16 + 4 * k, line + llm_q5k_qh(), 4);
        for (size_t c = 0; c < 4; c++) memcpy(blk + 48 + 32 * c + 4 * k, line + llm_q5k_qs(c), 4);
    }
}

/* Q6_K: one superblock of 16 rows (layout in kernels.h). */
static void pack_q6_k(const uint8_t *src, size_t row_bytes, size_t i, uint8_t *o)
{
    for (int r = 0; r < LLM_PACK_ROWS; r++) {
        const uint8_t *blk = src + (size_t)r * row_bytes + i * QB_Q6_K;
        memcpy(o + (size_t)2 * r, blk + 208, 2);
        for (int sub = 0; sub < 16; sub++) o[LLM_PACK_Q6K_SC + 16 * sub + r] = blk[192 + sub];
        for (int c = 0; c < 4; c++)
            for (int k = 0; k < 8; k++) memcpy(o + llm_q6k_ql((size_t)c) + (size_t)LLM_PACK_Q6K_LINE * k + (size_t)4 * r, blk + (size_t)32 * c + (size_t)4 * k, 4);
        for (int h = 0; h < 2; h++)
            for (int k = 0; k < 8; k++)
                memcpy(o + llm_q6k_qh((size_t)h) + (size_t)LLM_PACK_Q6K_LINE * k + (size_t)4 * r, blk + 128 + (size_t)32 * h + (size_t)4 * k, 4);
    }
}

static void unpack_q6_k(const uint8_t *o, int r, uint8_t *blk)
{
    memcpy(blk + 208, o + (size_t)2 * r, 2);
    for (int sub = 0; sub < 16; sub++) blk[192 + sub] = o[LLM_PACK_Q6K_SC + 16 * sub + r];
    for (int c = 0; c < 4; c++)
        for (int k = 0; k < 8; k++) memcpy(blk + (size_t)32 * c + (size_t)4 * k, o + llm_q6k_ql((size_t)c) + (size_t)LLM_PACK_Q6K_LINE * k + (size_t)4 * r, 4);
    for (int h = 0; h < 2; h++)
        for (int k = 0; k < 8; k++)
            memcpy(blk + 128 + (size_t)32 * h + (size_t)4 * k, o + llm_q6k_qh((size_t)h) + (size_t)LLM_PACK_Q6K_LINE * k + (size_t)4 * r, 4);
}

static void unpack_q4_k(const uint8_t *o, int r, uint8_t *blk)
{
    int sc[8], m[8];
    memcpy(blk, o + (size_t)2 * r, 2);
    memcpy(blk + 2, o + (size_t)2 * LLM_PACK_ROWS + (size_t)2 * r, 2);
    for (int j = 0; j < 8; j++) {
        sc[j] = o[LLM_PACK_Q4K_SC + 16 * j + r];
        m[j] = o[LLM_PACK_Q4K_MIN + 16 * j + r];
    }
    qt_k4_pack_scale_min(blk + 4, sc, m);
    for (int c = 0; c < 4; c++)
        for (int k = 0; k < 8; k++) memcpy(blk + 16 + (size_t)32 * c + (size_t)4 * k, o + LLM_PACK_Q4K_QS + (size_t)512 * c + (size_t)64 * k + (size_t)4 * r, 4);
}

/* The K-quants: one superblock of 16 rows at a time. */
typedef struct {
    uint32_t type;
    size_t bytes; /* per superblock of 16 rows */
    void (*pack)(const uint8_t *src, size_t row_bytes, size_t i, uint8_t *o);
    void (*unpack)(const uint8_t *o, int r, uint8_t *blk);
} kpack;

static const kpack KPACK[] = {
    {QT_Q4_K, LLM_PACK_Q4K_BYTES, pack_q4_k, unpack_q4_k},
    {QT_Q5_K, LLM_PACK_Q5K_BYTES, pack_q5_k, unpack_q5_k},
    {QT_Q6_K, LLM_PACK_Q6K_BYTES, pack_q6_k, unpack_q6_k},
};

static const kpack *kpack_of(uint32_t type)
{
    for (size_t i = 0; i < sizeof KPACK / sizeof *KPACK; i++)
        if (KPACK[i].type == type) return &KPACK[i];
    return NULL;
}

size_t llm_pack_block_bytes(uint32_t type)
{
    const kpack *k = kpack_of(type);
    if (k) return k->bytes / 8;
    int p = pack_pieces(type);
    return p ? (size_t)(2 * LLM_PACK_ROWS + 4 * LLM_PACK_ROWS * p) : 0;
}

int llm_pack_wanted(uint32_t type, size_t rows, size_t cols)
{
    size_t unit = kpack_of(type) ? QK_K : 32;
    return llm_pack_block_bytes(type) && rows > 0 && rows % LLM_PACK_ROWS == 0 && cols > 0 && cols % unit == 0;
}

void llm_pack_rows(uint32_t type, const uint8_t *src, size_t row_bytes, size_t cols, size_t g0, size_t g1,
                   uint8_t *dst)
{
    const kpack *kp = kpack_of(type);
    if (kp) {
        size_t ns = cols / QK_K;
        for (size_t g = g0; g < g1; g++)
            for (size_t i = 0; i < ns; i++)
                kp->pack(src + g * LLM_PACK_ROWS * row_bytes, row_bytes, i, dst + (g * ns + i) * kp->bytes);
        return;
    }
    int pieces = pack_pieces(type);
    size_t nb = cols / 32, bb = llm_pack_block_bytes(type), qb = qtype_get(type)->type_size;
    uint8_t flip = type == QT_Q8_0 ? 0x80 : 0; /* Q8_0 values stored + 128 */
    for (size_t g = g0; g < g1; g++) {
        uint8_t *o = dst + g * nb * bb;
        for (size_t b = 0; b < nb; b++, o += bb)
            for (int r = 0; r < LLM_PACK_ROWS; r++) {
                const uint8_t *blk = src + (g * LLM_PACK_ROWS + (size_t)r) * row_bytes + b * qb;
                o[(size_t)2 * r] = blk[0];
                o[2 * r + 1] = blk[1];
                for (int k = 0; k < pieces; k++)
                    for (int i = 0; i < 4; i++)
                        o[2 * LLM_PACK_ROWS + 64 * k + 4 * r + i] = (uint8_t)(blk[2 + 4 * k + i] ^ flip);
            }
    }
}

void llm_pack_get_block(uint32_t type, const uint8_t *group, size_t b, int r, uint8_t *out)
{
    const kpack *kp = kpack_of(type);
    if (kp) {
        kp->unpack(group + b * kp->bytes, r, out);
        return;
    }
    int pieces = pack_pieces(type);
    const uint8_t *o = group + b * llm_pack_block_bytes(type);
    uint8_t flip = type == QT_Q8_0 ? 0x80 : 0;
    out[0] = o[(size_t)2 * r];
    out[1] = o[2 * r + 1];
    for (int k = 0; k < pieces; k++)
        for (int i = 0; i < 4; i++) out[2 + 4 * k + i] = (uint8_t)(o[2 * LLM_PACK_ROWS + 64 * k + 4 * r + i] ^ flip);
}
