/* train_model_f64.c — the layers and model in double, single-threaded
 * plain loops: the reference the gradient checks difference. */
#include "train/train_model.h"

static void mm_forward(const tr_ctx *cx, double *out, const double *inp, const double *w, size_t N, size_t C,
                       size_t OC)
{
    (void)cx;
    for (size_t n = 0; n < N; n++)
        for (size_t o = 0; o < OC; o++) {
            double s = 0;
            for (size_t i = 0; i < C; i++) s += inp[n * C + i] * w[o * C + i];
            out[n * OC + o] = s;
        }
}

static void mm_backward_dinp(const tr_ctx *cx, double *dinp, const double *dout, const double *w, size_t N,
                             size_t C, size_t OC, int acc)
{
    (void)cx;
    for (size_t n = 0; n < N; n++)
        for (size_t i = 0; i < C; i++) {
            double s = 0;
            for (size_t o = 0; o < OC; o++) s += dout[n * OC + o] * w[o * C + i];
            dinp[n * C + i] = acc ? dinp[n * C + i] + s : s;
        }
}

static void mm_backward_dw(const tr_ctx *cx, double *dw, const double *dout, const double *inp, size_t N, size_t C,
                           size_t OC)
{
    (void)cx;
    for (size_t o = 0; o < OC; o++)
        for (size_t i = 0; i < C; i++) {
            double s = 0;
            for (size_t n = 0; n < N; n++) s += dout[n * OC + o] * inp[n * C + i];
            dw[o * C + i] += s;
        }
}

#define REAL double
#define TR_SFX f64
#include "train/train_model_impl.h"
