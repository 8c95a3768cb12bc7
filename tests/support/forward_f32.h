/* forward_f32.h — the f32-activation reference forward (test-only).
 *
 * One token with f32 activations throughout: the products dot the stored
 * rows with f32 inputs (qt_dot_kernel: dequantize-and-dot, no 8-bit
 * activations), everything else is the engine's own blocks (llm_rmsnorm,
 * llm_rope, the model's attention kernel). Tests compare the engine's
 * 8-bit-activation path against it. */
#ifndef GORILLA_TEST_FORWARD_F32_H
#define GORILLA_TEST_FORWARD_F32_H

#include <stdint.h>

#include "llm/model/model.h"

/* Runs token at pos (caller-checked), writing its keys and values into the
 * model's KV cache like the engine does; writes n_vocab logits to logits
 * when non-NULL. Returns 0, or -1 when out of memory. */
int llm_forward_f32(gorilla_model *m, int32_t token, int pos, float *logits);

#endif
