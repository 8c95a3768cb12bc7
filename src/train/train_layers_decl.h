/* train_layers_decl.h — the layers' _forward/_backward for one REAL
 * (float or double) and suffix TR_SFX; included twice by train_model.h.
 * No include guard on purpose. N = rows (B*T tokens), shapes [rows, cols].
 * Backward functions accumulate (+=) into parameter gradients; input
 * gradients are noted as "=" (written) or "+=" (added). */
#define TRN_CAT2(a, b) a##_##b
#define TRN_CAT(a, b) TRN_CAT2(a, b)
#define TRN(x) TRN_CAT(x, TR_SFX)

/* out[N, C] = wte[tokens[n]]; dwte[tokens[n]] += dout[n] (n in order). */
void TRN(tr_embed_forward)(REAL *out, const int32_t *tokens, const REAL *wte, size_t N, size_t C);
void TRN(tr_embed_backward)(REAL *dwte, const REAL *dout, const int32_t *tokens, size_t N, size_t C);

/* out[N, C] = inp * rstd * w, rstd[N] = 1 / sqrt(mean(inp^2) + eps).
 * dinp += ..., dw += dout * inp * rstd. */
void TRN(tr_rmsnorm_forward)(REAL *out, REAL *rstd, const REAL *inp, const REAL *w, size_t N, size_t C, float eps);
void TRN(tr_rmsnorm_backward)(REAL *dinp, REAL *dw, const REAL *dout, const REAL *inp, const REAL *w,
                              const REAL *rstd, size_t N, size_t C);

/* out[N, OC] = inp[N, C] w[OC, C]^T; dinp[N, C] (= or += by acc_dinp)
 * dout w; dw[OC, C] += dout^T inp. */
void TRN(tr_matmul_forward)(const tr_ctx *cx, REAL *out, const REAL *inp, const REAL *w, size_t N, size_t C,
                            size_t OC);
void TRN(tr_matmul_backward)(const tr_ctx *cx, REAL *dinp, REAL *dw, const REAL *dout, const REAL *inp,
                             const REAL *w, size_t N, size_t C, size_t OC, int acc_dinp);

/* In place on x[B*T, n_head * hd]: the rotation at position t = n % T
 * (cs[T][hd/2][2] = cos, sin); backward rotates the gradient back. */
void TRN(tr_rope_table)(REAL *cs, int T, int hd, float base);
void TRN(tr_rope_forward)(REAL *x, const REAL *cs, size_t N, int T, int n_head, int hd);
void TRN(tr_rope_backward)(REAL *dx, const REAL *cs, size_t N, int T, int n_head, int hd);

/* Causal grouped-query attention over sequences of T tokens:
 * q[B*T, NH*hd], k, v [B*T, NKV*hd] -> out[B*T, NH*hd]; att[B, NH, T, T]
 * keeps the probabilities; scratch [B*T, NH*hd]. Backward writes dq, dk,
 * dv (=); datt is scratch [B, NH, T, T], scratch [B*T, NKV*hd]. */
void TRN(tr_attention_forward)(const tr_ctx *cx, REAL *out, REAL *att, REAL *scratch, const REAL *q, const REAL *k,
                               const REAL *v, int B, int T, int NH, int NKV, int hd);
void TRN(tr_attention_backward)(const tr_ctx *cx, REAL *dq, REAL *dk, REAL *dv, REAL *datt, REAL *scratch,
                                const REAL *dout,
                                const REAL *att, const REAL *q, const REAL *k, const REAL *v, int B, int T, int NH,
                                int NKV, int hd);

/* out[N, F] = silu(gate) * up; dgate, dup = (written). */
void TRN(tr_swiglu_forward)(REAL *out, const REAL *gate, const REAL *up, size_t N);
void TRN(tr_swiglu_backward)(REAL *dgate, REAL *dup, const REAL *dout, const REAL *gate, const REAL *up, size_t N);

/* logits[N, V] -> probabilities in place; returns the sum over rows with
 * mask[n] of -log p[n][targets[n]]. Backward: dlogits (over probs, in
 * place) = (p - onehot) * scale where mask, else 0. */
double TRN(tr_crossentropy_forward)(const tr_ctx *cx, REAL *logits, const int32_t *targets, const uint8_t *mask,
                                    size_t N, size_t V);
void TRN(tr_crossentropy_backward)(const tr_ctx *cx, REAL *probs, const int32_t *targets, const uint8_t *mask,
                                   size_t N, size_t V, double scale);

/* The whole model: parameters and gradients in flat buffers laid out by
 * tr_layout; activations for B sequences of T tokens. */
typedef struct {
    const tr_layout *lay;
    int B, T;
    REAL *cs;                                         /* rope [T][hd/2][2] */
    REAL *x;                                          /* [L+1][BT][C] residual entering each layer; [L] final */
    REAL *h1, *rstd1, *q, *k, *v, *att, *atty, *xmid; /* per layer: [L][BT][C], [L][BT], ... att [L][B][NH][T][T] */
    REAL *h2, *rstd2, *gate, *up, *act;               /* per layer: [L][BT][C], [L][BT], [L][BT][FF] x3 */
    REAL *hf, *rstdf, *logits;                        /* [BT][C], [BT], [BT][V] */
    REAL *dres, *dh, *dq, *dk, *dv, *datty, *datt, *dgate, *dup, *dact; /* backward scratch */
    REAL *lora_h;               /* LoRA: [L][9][BT][rank] = x A^T per targeted matrix */
    REAL *lora_t, *lora_d;      /* scratch [BT][max(C, FF)], [BT][rank] */
} TRN(tr_acts);

gorilla_status TRN(tr_acts_new)(TRN(tr_acts) *a, const tr_layout *lay, int B, int T, gorilla_error *err);
void TRN(tr_acts_free)(TRN(tr_acts) *a);
/* Runs tokens[B*T] through the model; with targets, returns the masked
 * loss sum (probabilities left in logits). */
double TRN(tr_model_forward)(const tr_ctx *cx, TRN(tr_acts) *a, const REAL *params, const int32_t *tokens,
                             const int32_t *targets, const uint8_t *mask);
/* Adds the gradient of scale x (the masked loss sum) to grads (with LoRA:
 * only to the LoRA tensors). */
void TRN(tr_model_backward)(const tr_ctx *cx, TRN(tr_acts) *a, const REAL *params, REAL *grads,
                            const int32_t *tokens, const int32_t *targets, const uint8_t *mask, double scale);

#undef TRN
#undef TRN_CAT
#undef TRN_CAT2
