/* gorilla/llm.h — the inference engine (part of the public API; include "gorilla.h"). */
#ifndef GORILLA_API_LLM_H
#define GORILLA_API_LLM_H

#include "gorilla/base.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------ */
/* Inference engine (src/llm)                                          */
/* ------------------------------------------------------------------ */

/* A LLaMA-architecture model from a GGUF file (v2/v3; F32, F16, BF16,
 * Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q2_K..Q6_K weights). Weights stay memory-
 * mapped; the model owns its KV cache and a thread pool, so one model is
 * one sequence: not safe to use from two threads at once. */
typedef struct gorilla_model gorilla_model;

typedef struct {
    int n_threads; /* threads for matrix products; 0: online CPUs */
    int n_ctx;     /* context length (KV cache size); 0: the model's */
} gorilla_model_opts;

/* Loads and validates a model (opts may be NULL for defaults). Every
 * buffer a forward needs is allocated here, so forward/prompt/eval never
 * allocate. The kernel set is the best this CPU has, or the one the
 * GORILLA_CPU environment variable names ("scalar", "avx2", "avx512"):
 * another value fails with GORILLA_ERR_INVALID, a set this CPU lacks with
 * GORILLA_ERR_UNSUPPORTED. */
gorilla_status gorilla_model_load(const char *path, const gorilla_model_opts *opts, gorilla_model **out,
                                  gorilla_error *err);
void gorilla_model_free(gorilla_model *model);

int gorilla_model_n_vocab(const gorilla_model *model);
int gorilla_model_n_ctx(const gorilla_model *model);       /* in use */
int gorilla_model_n_ctx_train(const gorilla_model *model); /* from metadata */
/* String metadata of a GGUF file: values[i] is a malloc'd copy of keys[i]'s
 * value, NULL when absent (a key of another type is an error). */
gorilla_status gorilla_gguf_strings(const char *path, const char *const *keys, size_t n, char **values,
                                    gorilla_error *err);
int gorilla_model_n_embd(const gorilla_model *model);
int gorilla_model_n_layer(const gorilla_model *model);
int gorilla_model_n_threads(const gorilla_model *model);
/* Bytes of the weight tensors as the file stores them (what a decoded
 * token reads once). */
uint64_t gorilla_model_weight_bytes(const gorilla_model *model);
/* The kernel set in use: "scalar", "avx2" or "avx512". */
const char *gorilla_model_cpu(const gorilla_model *model);

/* Runs one token at position `pos` (0 <= pos < n_ctx; positions before
 * pos must have been run, their keys/values are cached). Writes n_vocab
 * logits to `logits` when non-NULL (NULL skips the output product). */
gorilla_status gorilla_model_forward(gorilla_model *model, int32_t token, int pos, float *logits,
                                     gorilla_error *err);
/* Runs tokens[0..n) at positions pos..pos+n-1; writes the logits after the
 * last one to `logits` when non-NULL. Fails with GORILLA_ERR_LIMIT, running
 * nothing, when pos + n exceeds the context. */
gorilla_status gorilla_model_prompt(gorilla_model *model, const int32_t *tokens, size_t n, int pos,
                                    float *logits, gorilla_error *err);

/* The vocabulary from the metadata (tokenizer.ggml.*): count (0 when
 * absent), token text, score and type of id (NULL/0 when out of range);
 * special ids (-1 when absent). */
size_t gorilla_model_vocab_count(const gorilla_model *model);
const char *gorilla_model_token_text(const gorilla_model *model, int32_t id);
float gorilla_model_token_score(const gorilla_model *model, int32_t id);
int gorilla_model_token_type(const gorilla_model *model, int32_t id);
int32_t gorilla_model_bos(const gorilla_model *model);
int32_t gorilla_model_eos(const gorilla_model *model);
/* The tokenizer model name ("llama", "gpt2", ...), or NULL. */
const char *gorilla_model_tokenizer_kind(const gorilla_model *model);

/* Runs tokens[0..n) at positions pos..pos+n-1 like gorilla_model_prompt
 * (no prefix reuse: every token runs) and writes every token's logits:
 * row i (n_vocab floats at logits_all + i * n_vocab) is bit for bit what
 * gorilla_model_forward of tokens[i] at pos + i would give after the
 * tokens before it (one batched pass, e.g. to verify a draft).
 * logits_all may be NULL. Fails with GORILLA_ERR_LIMIT, running nothing,
 * when pos + n exceeds the context. */
gorilla_status gorilla_model_eval(gorilla_model *model, const int32_t *tokens, size_t n, int pos,
                                  float *logits_all, gorilla_error *err);

/* The model's tokenizer, built at load from the same parsed file (no
 * second open), owned by the model and valid until gorilla_model_free;
 * immutable, so it may be used from other threads meanwhile. NULL when
 * the file has no tokenizer or it could not be built:
 * gorilla_model_tokenizer_error then says why (NULL when there is one). */
typedef struct gorilla_tokenizer gorilla_tokenizer;
const gorilla_tokenizer *gorilla_model_tokenizer(const gorilla_model *model);
const char *gorilla_model_tokenizer_error(const gorilla_model *model);

/* --- Tokenizer (src/llm/tokenizer.c) --------------------------------- */

/* A vocabulary and its encoder/decoder, matching llama.cpp's tokenization:
 * "llama" = SentencePiece-style (score-ordered bigram merges, "▁" for
 * spaces, <0xXX> byte fallback), "gpt2" = byte-level BPE (GPT-2
 * pre-tokenizer, merges by rank). Immutable once built: one tokenizer may
 * be used from many threads at once. */
typedef enum {
    GORILLA_TOKENIZER_LLAMA = 0, /* SentencePiece (SPM) */
    GORILLA_TOKENIZER_GPT2 = 1   /* byte-level BPE */
} gorilla_tokenizer_kind;

/* Token types as stored in GGUF's tokenizer.ggml.token_type. */
typedef enum {
    GORILLA_TOKEN_NORMAL = 1,
    GORILLA_TOKEN_UNKNOWN = 2,
    GORILLA_TOKEN_CONTROL = 3,
    GORILLA_TOKEN_USER_DEFINED = 4,
    GORILLA_TOKEN_UNUSED = 5,
    GORILLA_TOKEN_BYTE = 6
} gorilla_token_type;

/* What a tokenizer is built from: plain arrays, copied by _new. */
typedef struct {
    const char *model;               /* "llama" or "gpt2" */
    const char *const *tokens;       /* n_tokens UTF-8 strings */
    const size_t *token_lens;        /* lengths, or NULL: strlen */
    size_t n_tokens;
    const float *scores;             /* NULL: all 0 */
    const int32_t *token_types;      /* NULL: inferred (see tokenizer.c) */
    const char *const *merges;       /* gpt2: "left right" strings, by rank */
    const size_t *merge_lens;        /* or NULL: strlen */
    size_t n_merges;
    int32_t bos_id, eos_id, unk_id, pad_id; /* -1 when absent */
    int add_bos;                     /* 1, 0, or -1: default (llama 1, gpt2 0) */
    int add_space_prefix;            /* 1, 0, or -1: default (llama 1; gpt2 never) */
    int add_eos;                     /* 1, 0, or -1: off */
} gorilla_tokenizer_spec;

/* Longest text gorilla_tokenizer_encode accepts (bytes). */
#define GORILLA_TOKENIZER_MAX_TEXT ((size_t)4 << 20)

/* Sets ids to -1, flags to -1 (defaults) and the rest to zero/NULL. */
void gorilla_tokenizer_spec_init(gorilla_tokenizer_spec *spec);
gorilla_status gorilla_tokenizer_new(const gorilla_tokenizer_spec *spec, gorilla_tokenizer **out,
                                     gorilla_error *err);
void gorilla_tokenizer_free(gorilla_tokenizer *tok);

/* Encodes text[0..len) into a malloc'd array *ids of *n_ids tokens (the
 * caller frees it). add_special: prepend BOS when the model's add_bos flag
 * is set (and append EOS when its add_eos flag is). parse_special: text
 * matching control tokens (e.g. "<s>") becomes those tokens; user-defined
 * tokens are always matched, as in llama.cpp. */
gorilla_status gorilla_tokenizer_encode(const gorilla_tokenizer *tok, const char *text, size_t len,
                                        int add_special, int parse_special, int32_t **ids,
                                        size_t *n_ids, gorilla_error *err);

/* The bytes one token decodes to ("▁" -> " ", <0x0A> -> "\n", control
 * tokens -> ""), NUL-terminated but possibly containing a NUL (<0x00>):
 * use *len. NULL when id is out of range. */
const char *gorilla_tokenizer_piece(const gorilla_tokenizer *tok, int32_t id, size_t *len);
/* The token's stored text ("▁Hello", "<s>"), NULL when out of range. */
const char *gorilla_tokenizer_token_text(const gorilla_tokenizer *tok, int32_t id);

/* Flags for gorilla_tokenizer_decode. */
#define GORILLA_DECODE_STRIP_SPACE 1 /* drop the space add_space_prefix added */
#define GORILLA_DECODE_SPECIAL 2     /* render control/unknown tokens' text */

/* Decodes ids into a malloc'd NUL-terminated string *out (length *out_len,
 * which may contain NUL bytes from byte tokens). Fails with
 * GORILLA_ERR_INVALID on an id out of range. */
gorilla_status gorilla_tokenizer_decode(const gorilla_tokenizer *tok, const int32_t *ids, size_t n,
                                        int flags, char **out, size_t *out_len,
                                        gorilla_error *err);

gorilla_tokenizer_kind gorilla_tokenizer_get_kind(const gorilla_tokenizer *tok);
size_t gorilla_tokenizer_n_vocab(const gorilla_tokenizer *tok);
int32_t gorilla_tokenizer_bos(const gorilla_tokenizer *tok); /* -1 when none */
int32_t gorilla_tokenizer_eos(const gorilla_tokenizer *tok);
int gorilla_tokenizer_add_bos(const gorilla_tokenizer *tok);
/* The type of token id (GORILLA_TOKEN_*), 0 when out of range. */
int gorilla_tokenizer_token_type(const gorilla_tokenizer *tok, int32_t id);
/* The id of a token's exact stored text, or -1. */
int32_t gorilla_tokenizer_find(const gorilla_tokenizer *tok, const char *text, size_t len);
/* True for end-of-generation tokens: EOS and control tokens named
 * <|eot_id|>, <|im_end|>, <|end|>, <|endoftext|>, <end_of_turn>, <|eom_id|>. */
int gorilla_tokenizer_is_eog(const gorilla_tokenizer *tok, int32_t id);

/* Builds a tokenizer from a GGUF file's tokenizer.ggml.* metadata. */
gorilla_status gorilla_tokenizer_load_gguf(const char *path, gorilla_tokenizer **out,
                                           gorilla_error *err);

/* --- Sampler (src/llm/sampler.c) -------------------------------------- */

/* One sampler per generation: it owns its PRNG and the recent-token
 * history for penalties. Order of the chain, as in llama.cpp:
 * penalties -> top-k -> top-p -> min-p -> temperature -> random draw
 * (temperature <= 0: argmax after penalties, lowest id on ties). */
typedef struct gorilla_sampler gorilla_sampler;

typedef struct {
    float temperature;       /* <= 0: greedy */
    int32_t top_k;           /* <= 0: off */
    float top_p;             /* >= 1: off */
    float min_p;             /* <= 0: off */
    float repeat_penalty;    /* 1: off; logit > 0 divided, <= 0 multiplied */
    float frequency_penalty; /* 0: off; logit -= count * f */
    float presence_penalty;  /* 0: off; logit -= p when count > 0 */
    int32_t repeat_last_n;   /* history length for penalties; 0: off */
    uint64_t seed;
} gorilla_sampler_params;

/* llama.cpp's defaults: temperature 0.8, top_k 40, top_p 0.95, min_p 0.05,
 * repeat_penalty 1 (off), repeat_last_n 64, seed 42. */
void gorilla_sampler_params_init(gorilla_sampler_params *p);
gorilla_status gorilla_sampler_new(const gorilla_sampler_params *p, size_t n_vocab,
                                   gorilla_sampler **out, gorilla_error *err);
void gorilla_sampler_free(gorilla_sampler *s);
/* Picks a token from logits[0..n_vocab) (not modified). */
gorilla_status gorilla_sampler_sample(gorilla_sampler *s, const float *logits, size_t n_vocab,
                                      int32_t *token, gorilla_error *err);
/* Records a token (prompt or generated) in the penalty history. */
void gorilla_sampler_accept(gorilla_sampler *s, int32_t token);
/* Clears the history and restarts the PRNG from the seed. */
void gorilla_sampler_reset(gorilla_sampler *s);

/* Stop strings over decoded text (which grows token by token, so a stop
 * string may straddle tokens: search the whole text, or its tail).
 * Returns the offset of the earliest occurrence of any stop string in
 * text[0..len) and sets *which (may be NULL) to its index; or -1 when none
 * occurs, setting *hold (may be NULL) to the length of the longest suffix
 * of text that is a proper prefix of some stop string (bytes a streaming
 * caller should not print yet). Empty stop strings are ignored. */
long gorilla_stop_find(const char *text, size_t len, const char *const *stops, size_t n_stops,
                       size_t *which, size_t *hold);
/* --- end tokenizer/sampler ------------------------------------------- */

/* ---- Generation parameters ---- */

/* Generation parameters, shared by the client (sent in the request) and by
 * server backends (applied to the local model). */
typedef struct {
    int max_tokens;          /* tokens to generate at most (default 128) */
    float temperature;       /* 0: greedy (default 0) */
    float top_p;             /* >= 1: off (default 1) */
    int top_k;               /* <= 0: off (default 0; not sent by the client) */
    uint64_t seed;           /* sampler seed (default 42; the client sends it when non-zero) */
    const char *const *stop; /* stop strings (at most 4), may be NULL */
    size_t n_stop;
    /* Decoding of a server backend on a local model (gorilla/decode.h; not
     * sent by the client): constrain 0 off (default), 1 the backend's calls
     * (the store), 2 those of its calls the prompt holds (the
     * GORILLA_ASK_CONSTRAIN_* values); draft 1 prompt-lookup drafts
     * (default), 0 none. */
    int constrain;
    int draft;
} gorilla_gen_params;

/* Sets the defaults above. */
void gorilla_gen_params_init(gorilla_gen_params *p);

/* --- Generation (src/llm/generate.c) -------------------------------- */

/* The one generation loop: a prompt in, tokens out one at a time. Every
 * caller (ask, chat, bench, generate, the server's backend) runs it, so a
 * change to how tokens are chosen lands here and nowhere else.
 *
 * One step: [draft provider proposes up to K tokens] -> for each position:
 * logits -> [logits filter masks some] -> sampler picks a token -> the
 * end-of-generation token ends it (it is not part of the output); else the
 * token is kept, its piece appended to the text, stop strings checked, and
 * the text that can no longer change passed to the token callback. A draft
 * token is kept only while it equals what the sampler picks from the
 * model's own logits, so output with a draft provider is the same token for
 * token as without one (greedy or sampled alike).
 *
 * Text is detokenized incrementally (each token's piece once, never the
 * whole output again); the callback never gets an incomplete UTF-8
 * sequence or the start of a stop string that may still complete (those
 * bytes are held back until they are known, then released). */

/* The token callback: `token` was kept; text[0..len) is the text that has
 * become final with it (possibly empty: held back). After the last token,
 * held-back text that turned out final comes in one call with token -1.
 * Return non-zero to stop the generation (GORILLA_GEN_STOP_CALLBACK). */
typedef int (*gorilla_generate_token_fn)(void *user, int32_t token, const char *text, size_t len);

/* The logits filter (constrained decoding): sees the tokens generated so
 * far and their text (held-back bytes included), and may lower logits
 * (-INFINITY forbids a token) before the sampler picks; the sampler
 * renormalises over what is left. Returns GORILLA_OK or an error, which
 * ends the generation with it. */
typedef gorilla_status (*gorilla_logits_filter_fn)(void *user, const int32_t *tokens, size_t n_tokens,
                                                   const char *text, size_t text_len, float *logits,
                                                   size_t n_vocab, gorilla_error *err);

/* The draft provider (speculative decoding): given the whole sequence so
 * far (prompt, then generated tokens), writes up to max_draft guesses of
 * the next tokens into draft[] and returns how many (0: none this step). */
typedef size_t (*gorilla_draft_fn)(void *user, const int32_t *tokens, size_t n_tokens, int32_t *draft,
                                   size_t max_draft);

typedef struct {
    gorilla_sampler_params sampler; /* default: gorilla_sampler_params_init */
    int max_tokens;                 /* tokens to keep at most (default 128; 0: run the
                                     * prompt only; < 0: 128) */
    const char *const *stop;        /* stop strings (text ends before the first one), may be NULL */
    size_t n_stop;
    gorilla_generate_token_fn on_token; /* may be NULL */
    void *user;
    gorilla_logits_filter_fn filter;    /* may be NULL */
    void *filter_user;
    gorilla_draft_fn draft;             /* may be NULL */
    void *draft_user;
    size_t max_draft;                   /* K, tokens proposed per step at most (default 4) */
} gorilla_generate_opts;

/* Sets the defaults above (llama.cpp's sampler defaults; no hooks). */
void gorilla_generate_opts_init(gorilla_generate_opts *o);
/* Applies the request-level parameters (max_tokens, temperature, top_p,
 * top_k, seed, stop strings, borrowed) over o's sampler: min_p off,
 * repeat penalty 1. */
void gorilla_generate_opts_from_params(gorilla_generate_opts *o, const gorilla_gen_params *p);

/* Why a generation ended. */
typedef enum {
    GORILLA_GEN_STOP_EOG = 0,    /* the end-of-generation token */
    GORILLA_GEN_STOP_STRING,     /* a stop string (cut from the text) */
    GORILLA_GEN_STOP_MAX_TOKENS, /* max_tokens kept */
    GORILLA_GEN_STOP_CONTEXT,    /* the context is full */
    GORILLA_GEN_STOP_CALLBACK    /* the token callback asked */
} gorilla_gen_stop;

typedef struct {
    int32_t *tokens;      /* the kept tokens (malloc'd; the EOG token is not one) */
    size_t n_tokens;
    char *text;           /* their text up to the stop string, NUL-terminated
                           * (may contain NULs from byte tokens: use text_len) */
    size_t text_len;
    gorilla_gen_stop stop;
    long stop_index;      /* GORILLA_GEN_STOP_STRING: which one, else -1 */
    size_t n_prompt;      /* prompt tokens */
    size_t n_reused;      /* of them, taken from the model's prefix cache */
    size_t n_drafted, n_draft_accepted; /* draft tokens proposed, and kept */
    size_t n_decode;      /* forwards after the prompt (drafts included) */
    double prefill_ms, decode_ms;
} gorilla_generate_result;

/* Generates from prompt[0..n_prompt) (token ids, BOS included when wanted)
 * at position 0 of the model's context; the positions already cached for
 * the same leading tokens are reused. tok may be NULL (ids only: no text,
 * no stop strings; the model's EOS ends it). Fills *out (clear it with
 * gorilla_generate_result_clear, also on failure). A prompt that does not
 * leave room for a token is GORILLA_ERR_LIMIT; an empty one
 * GORILLA_ERR_INVALID. Not thread-safe on one model. */
gorilla_status gorilla_generate(gorilla_model *model, const gorilla_tokenizer *tok, const int32_t *prompt,
                                size_t n_prompt, const gorilla_generate_opts *opts, gorilla_generate_result *out,
                                gorilla_error *err);
/* Encodes text with tok (BOS as the tokenizer's add_bos says), then
 * gorilla_generate. */
gorilla_status gorilla_generate_text(gorilla_model *model, const gorilla_tokenizer *tok, const char *text,
                                     const gorilla_generate_opts *opts, gorilla_generate_result *out,
                                     gorilla_error *err);
void gorilla_generate_result_clear(gorilla_generate_result *r);

#ifdef __cplusplus
}
#endif
#endif /* GORILLA_API_LLM_H */
