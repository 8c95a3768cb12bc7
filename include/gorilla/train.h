/* gorilla_train.h — training LLaMA-architecture models in C (public API;
 * the library side of `gorilla train`, src/train/, docs/train.md).
 *
 * A trainer holds f32 master weights, their AdamW moments, the packed
 * training (and validation) rows and a thread pool. Each step runs
 * grad_accum micro-batches of `batch` rows of n_ctx tokens, clips the
 * gradient by its global norm, and applies AdamW with decoupled weight
 * decay at the step's learning rate (linear warmup, then cosine decay to
 * min_lr). Results are deterministic for a given seed, data and thread
 * count (in fact for any thread count: every sum has a fixed order). */
#ifndef GORILLA_API_TRAIN_H
#define GORILLA_API_TRAIN_H

#include <stdint.h>

#include "gorilla/llm.h"

typedef struct gorilla_trainer gorilla_trainer;

/* LoRA target bits: attention q, k, v, output; MLP gate, up, down. */
#define GORILLA_LORA_Q (1u << 1)
#define GORILLA_LORA_K (1u << 2)
#define GORILLA_LORA_V (1u << 3)
#define GORILLA_LORA_O (1u << 4)
#define GORILLA_LORA_GATE (1u << 6)
#define GORILLA_LORA_UP (1u << 7)
#define GORILLA_LORA_DOWN (1u << 8)

typedef struct {
    /* The model: from scratch (vocab_path: a GGUF file with a tokenizer,
     * and the shape below) or from base_model (a LLaMA GGUF whose weights
     * are dequantized to f32; its shape and tokenizer are used). */
    const char *vocab_path;
    const char *base_model;
    int n_embd, n_layer, n_head, n_head_kv, n_ff, n_ctx; /* n_ctx also caps a base model's rows */
    int tied;                                            /* from scratch: output head tied to the embedding */
    float rope_base, rms_eps;
    /* LoRA (rank 0: off; needs base_model): adapters A[rank][in],
     * B[out][rank] on the matrices in lora_targets (bits GORILLA_LORA_*),
     * W x + (alpha / rank) B A x; the base is frozen; export merges them. */
    int lora_rank;
    float lora_alpha;
    unsigned lora_targets;
    /* Data: training conversations, and either a validation file or a
     * fraction of the training conversations held out (0: none). */
    const char *data_path;
    const char *val_path;
    double val_fraction;
    /* Optimization. */
    int batch, grad_accum;
    long steps;
    double lr, min_lr, warmup_steps, weight_decay, beta1, beta2, eps, grad_clip;
    uint64_t seed;
    int n_threads; /* 0: online CPUs */
} gorilla_train_opts;

/* Defaults: dim 64, 2 layers, 4 heads, 4 KV heads, ff 172, ctx 128, untied;
 * batch 4, accumulation 1, 100 steps, lr 1e-3, min_lr 1e-4, warmup 10,
 * weight decay 0.1, betas 0.9/0.95, eps 1e-8, clip 1.0, seed 1. */
void gorilla_train_opts_init(gorilla_train_opts *o);

typedef struct {
    size_t n_params;         /* all, base included */
    size_t n_trained_params; /* those the optimizer updates (LoRA: the adapters) */
    int n_vocab, n_embd, n_layer, n_head, n_head_kv, n_ff, n_ctx, tied;
    size_t train_convs, train_rows, train_tokens, train_trained; /* trained = assistant tokens */
    size_t val_convs, val_rows, val_trained;
    size_t truncated, dropped;  /* conversations cut at the context; left with no assistant token */
    double flops_per_token;     /* model FLOPs (forward + backward) per row token */
    const char *kernels;        /* "avx512", "avx2", "scalar" */
} gorilla_train_info;

typedef struct {
    long step;        /* steps done after this one */
    double loss;      /* mean over the step's assistant tokens */
    double lr, grad_norm;
    size_t tokens;    /* row tokens this step (batch x accum x n_ctx) */
} gorilla_train_stats;

gorilla_status gorilla_trainer_new(const gorilla_train_opts *opts, gorilla_trainer **out, gorilla_error *err);
void gorilla_trainer_free(gorilla_trainer *t);
void gorilla_trainer_info(const gorilla_trainer *t, gorilla_train_info *out);
long gorilla_trainer_step_count(const gorilla_trainer *t);

/* One optimizer step. A non-finite loss or gradient fails with
 * GORILLA_ERR_INVALID naming the step, before the weights change. */
gorilla_status gorilla_trainer_step(gorilla_trainer *t, gorilla_train_stats *out, gorilla_error *err);
/* Mean loss over the validation rows' assistant tokens (NaN when there is
 * no validation set). */
gorilla_status gorilla_trainer_eval(gorilla_trainer *t, double *val_loss, gorilla_error *err);

/* Checkpoints: weights, AdamW moments, step, data position and RNG state,
 * written atomically (temporary file, fsync, rename). A checkpoint loads
 * only into a trainer of the same shape and data. */
gorilla_status gorilla_trainer_save(const gorilla_trainer *t, const char *path, gorilla_error *err);
gorilla_status gorilla_trainer_resume(gorilla_trainer *t, const char *path, gorilla_error *err);

/* Writes the model as a LLaMA GGUF (F32, llama.cpp names and metadata,
 * the tokenizer copied), atomically. */
gorilla_status gorilla_trainer_export(const gorilla_trainer *t, const char *path, gorilla_error *err);

/* The f32 product's measured throughput on n_threads (FLOP/s): the best of
 * a few runs of a cache-resident GEMM — the peak MFU divides by. */
double gorilla_train_peak_flops(int n_threads);

/* Draws the loss curves of a --log JSON-lines file as an SVG. */
gorilla_status gorilla_train_plot(const char *log_path, const char *svg_path, gorilla_error *err);

#endif
