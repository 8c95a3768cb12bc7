/* pack.c — Q4_0 and Q8_0 rows repacked in groups of 16 (the layout is
 * described in kernels.h): 16 rows' 4-byte pieces side by side, so that a
 * vector register holds one piece of every row of the group and the
 * kernels accumulate 16 rows in its lanes. */
#include "llm/kernels.h"

#include <string.h>

/* Pieces of 4 bytes per row and block, and their offset in a stored block. */
static int pack_pieces(uint32_t type) { return type == QT_Q4_0 ? 4 : type == QT_Q8_0 ? 8 : 0; }

size_t llm_pack_block_bytes(uint32_t type)
{
    int p = pack_pieces(type);
    return p ? (size_t)(2 * LLM_PACK_ROWS + 4 * LLM_PACK_ROWS * p) : 0;
}

int llm_pack_wanted(uint32_t type, size_t rows, size_t cols)
{
    return pack_pieces(type) && rows > 0 && rows % LLM_PACK_ROWS == 0 && cols > 0 && cols % 32 == 0;
}

void llm_pack_rows(uint32_t type, const uint8_t *src, size_t row_bytes, size_t cols, size_t g0, size_t g1,
                   uint8_t *dst)
{
    int pieces = pack_pieces(type);
    size_t nb = cols / 32, bb = llm_pack_block_bytes(type), qb = qtype_get(type)->type_size;
    uint8_t flip = type == QT_Q8_0 ? 0x80 : 0; /* Q8_0 values stored + 128 */
    for (size_t g = g0; g < g1; g++) {
        uint8_t *o = dst + g * nb * bb;
        for (size_t b = 0; b < nb; b++, o += bb)
            for (int r = 0; r < LLM_PACK_ROWS; r++) {
                const uint8_t *blk = src + (g * LLM_PACK_ROWS + (size_t)r) * row_bytes + b * qb;
                o[2 * r] = blk[0];
                o[2 * r + 1] = blk[1];
                for (int k = 0; k < pieces; k++)
                    for (int i = 0; i < 4; i++)
                        o[2 * LLM_PACK_ROWS + 64 * k + 4 * r + i] = (uint8_t)(blk[2 + 4 * k + i] ^ flip);
            }
    }
}

void llm_pack_get_block(uint32_t type, const uint8_t *group, size_t b, int r, uint8_t *out)
{
    int pieces = pack_pieces(type);
    const uint8_t *o = group + b * llm_pack_block_bytes(type);
    uint8_t flip = type == QT_Q8_0 ? 0x80 : 0;
    out[0] = o[2 * r];
    out[1] = o[2 * r + 1];
    for (int k = 0; k < pieces; k++)
        for (int i = 0; i < 4; i++) out[2 + 4 * k + i] = (uint8_t)(o[2 * LLM_PACK_ROWS + 64 * k + 4 * r + i] ^ flip);
}
