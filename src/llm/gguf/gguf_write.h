/* gguf_write.h — writing GGUF v3 files (internal; used by tools and tests).
 *
 * Collect metadata and tensor infos, then save: the header, metadata and
 * tensor infos are written first, then each tensor's data at the alignment.
 * Tensor data is either copied at add time or produced at save time by a
 * callback (so large models need not be held in memory). */
#ifndef GORILLA_LLM_GGUF_WRITE_H
#define GORILLA_LLM_GGUF_WRITE_H

#include <stddef.h>
#include <stdint.h>

#include "gorilla.h"

typedef struct gguf_writer gguf_writer;

/* Fills buf (n_bytes) with the data of tensor `index` (in add order). */
typedef gorilla_status (*gguf_fill_fn)(void *ctx, size_t index, void *buf, size_t n_bytes, gorilla_error *err);

gguf_writer *gguf_writer_new(void);
void gguf_writer_free(gguf_writer *w);

/* Metadata (keys in add order). Return 0, or -1 when out of memory. */
int gguf_writer_u32(gguf_writer *w, const char *key, uint32_t v);
int gguf_writer_i32(gguf_writer *w, const char *key, int32_t v);
int gguf_writer_u64(gguf_writer *w, const char *key, uint64_t v);
int gguf_writer_f32(gguf_writer *w, const char *key, float v);
int gguf_writer_bool(gguf_writer *w, const char *key, int v);
int gguf_writer_str(gguf_writer *w, const char *key, const char *v);
int gguf_writer_arr_str(gguf_writer *w, const char *key, const char *const *v, size_t n);
int gguf_writer_arr_f32(gguf_writer *w, const char *key, const float *v, size_t n);
int gguf_writer_arr_i32(gguf_writer *w, const char *key, const int32_t *v, size_t n);
/* Sets the alignment (power of two) and writes general.alignment. */
int gguf_writer_alignment(gguf_writer *w, uint32_t alignment);

/* A tensor of `type` with ne[0..n_dims). `data` (n_bytes of the type) is
 * copied when non-NULL; when NULL the save callback supplies it. */
int gguf_writer_tensor(gguf_writer *w, const char *name, uint32_t type, uint32_t n_dims, const uint64_t *ne,
                       const void *data);

/* Writes the file; `fill` (may be NULL when all data was given) is called
 * for tensors added without data. */
gorilla_status gguf_writer_save(gguf_writer *w, const char *path, gguf_fill_fn fill, void *ctx, gorilla_error *err);

/* The serialized header + metadata + tensor infos (no padding, no data),
 * for tests that build broken files. Caller frees. */
uint8_t *gguf_writer_header(gguf_writer *w, size_t *len);

#endif
