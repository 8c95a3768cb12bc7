/* synth.h — synthetic LLaMA, MPT and Falcon GGUF files with random
 * weights (internal; for tools/gguf_synth and tests), with the tensor names
 * and metadata llama.cpp reads. */
#ifndef GORILLA_LLM_SYNTH_H
#define GORILLA_LLM_SYNTH_H

#include <stdint.h>

#include "gorilla.h"

typedef struct {
    int n_embd, n_layer, n_head, n_head_kv, n_ff, n_vocab, n_ctx;
    uint32_t type;      /* qtype of the weight matrices; norms are F32 */
    uint64_t seed;
    int tied;           /* 1: no output.weight (tied to token_embd) */
    float rope_base, rms_eps;
    float rope_scale_linear; /* > 0: writes rope.scaling.type linear, factor */
    int rope_freqs;     /* 1: writes rope_freqs.weight (factors 1 +- 0.1) */
    int with_vocab;     /* write tokenizer.ggml.* metadata */
    int arch;           /* LLM_SYNTH_LLAMA, _MPT, _FALCON */
    float alibi_max;    /* MPT: mpt.attention.max_alibi_bias (default 8) */
    float clamp_kqv;    /* MPT: > 0 writes mpt.attention.clamp_kqv */
    int biases;         /* MPT: every product and LayerNorm gets a bias; Falcon: attn_norm_2, the attention's LayerNorm (40B style) */
} llm_synth_params;

enum { LLM_SYNTH_LLAMA = 0, LLM_SYNTH_MPT = 1, LLM_SYNTH_FALCON = 2 };

/* Small defaults: n_embd 64, 2 layers, 4 heads, 2 KV heads, n_ff 128,
 * vocab 300, ctx 64, F32, seed 1, untied, vocabulary on, LLaMA (MPT's
 * max ALiBi bias 8). MPT files: LayerNorms without bias (as MPT-7B) unless
 * biases, fused attn_qkv [q|k|v], output untied only when !tied. Falcon
 * files: LayerNorms with bias, fused attn_qkv, separate output unless
 * tied. */
void llm_synth_defaults(llm_synth_params *p);

/* The token pieces written for a vocabulary of n (>= 259); text[i] is
 * valid until llm_synth_vocab_free. */
char **llm_synth_vocab(int n);
void llm_synth_vocab_free(char **v, int n);

/* Writes the model. Matrices whose rows are not a multiple of the type's
 * block size fall back to Q8_0, or F16. */
gorilla_status llm_synth_write(const llm_synth_params *p, const char *path, gorilla_error *err);

/* The random weights are a deterministic function of (seed, tensor
 * name): fills out[0..n) with the f32 values before quantization. */
void llm_synth_values(uint64_t seed, const char *name, float scale, int is_norm, float *out, size_t n);

#endif
