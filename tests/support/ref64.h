/* ref64.h — a float64 LLaMA forward pass computed straight from source
 * checkpoints, in their own conventions (test-only code, not the library).
 *
 * Loaders read Hugging Face checkpoints (config.json + one safetensors
 * file, F32/F16/BF16; rotary in HF's rotate-half form: dims i and i+D/2
 * form a pair) and llama2.c legacy checkpoints (rotary on adjacent pairs
 * 2i, 2i+1, as llama2.c's run.c). They share nothing with src/convert, so
 * a converter bug (a wrong Q/K order, a swapped tensor) shows up as a
 * difference against the engine running the converted GGUF.
 *
 * MPT and Falcon follow Hugging Face's modeling code: LayerNorm (with bias
 * when present), GELU (exact erf; gelu_tanh selects the tanh form ggml
 * uses), MPT with ALiBi (HF's gen_slopes) and optional QKV clamping, Falcon
 * with parallel attention + MLP after one LayerNorm and rotate-half rotary.
 * Their fused QKV is split by the layout of the source: HF's (MPT [q|k|v];
 * Falcon per KV group [q.. k v]) by ref64_load_hf, GGUF's ([q|k|v], what
 * llama.cpp reads) by ref64_load_gguf. */
#ifndef GORILLA_TEST_REF64_H
#define GORILLA_TEST_REF64_H

#include <stddef.h>

typedef enum { REF64_LLAMA = 0, REF64_MPT, REF64_FALCON } ref64_arch;

typedef struct {
    double *att_norm, *ffn_norm; /* [E]; Falcon: ffn_norm is the MLP's LayerNorm (40B style) or NULL */
    double *att_norm_b, *ffn_norm_b; /* LayerNorm biases or NULL (MPT, Falcon) */
    double *wq, *wk, *wv, *wo;   /* [H*D][E], [KV*D][E] x2, [E][H*D] (PyTorch [out][in]) */
    double *w_gate, *w_up;       /* [F][E] */
    double *w_down;              /* [E][F] */
} ref64_layer;

typedef struct {
    int n_embd, n_ff, n_layer, n_head, n_head_kv, n_vocab, n_ctx, head_dim;
    double eps, rope_theta, rope_factor; /* positions are divided by rope_factor (linear scaling) */
    int rope_halves;                     /* 1: HF rotate_half pairs (i, i+D/2); 0: adjacent pairs */
    ref64_arch arch;
    double alibi_max, clip_qkv;          /* MPT; clip_qkv 0: none */
    int gelu_tanh;                       /* MPT/Falcon: GELU's tanh form instead of erf */
    double *out_norm_b;
    double *emb, *out_norm, *cls;        /* cls == emb when tied */
    ref64_layer *L;
    double *kc, *vc; /* [layer][pos][KV*D] */
} ref64;

/* Each returns 0, or -1 after printing why. n_ctx bounds the positions. */
int ref64_load_hf(ref64 *m, const char *dir, int n_ctx);
int ref64_load_llama2c(ref64 *m, const char *path, int n_ctx);
/* A LLaMA, MPT or Falcon GGUF file (llama.cpp's layout), dequantized to f64. */
int ref64_load_gguf(ref64 *m, const char *path, int n_ctx);
void ref64_free(ref64 *m);
/* Logits (n_vocab) after `token` at `pos`; positions before must have run. */
void ref64_forward(ref64 *m, int token, int pos, double *logits);
/* Softmax of logits in place. */
void ref64_softmax(double *x, int n);

#endif
