/* safetensors.h — a validating reader of safetensors files (internal).
 *
 * Format: an 8-byte little-endian header length N, N bytes of JSON (an
 * object: tensor name -> {"dtype", "shape", "data_offsets": [begin, end]},
 * plus an optional "__metadata__" object of strings), then the data
 * buffer; offsets are relative to the buffer's start. Files are mapped;
 * opening checks every tensor (dtype known, shape product and byte size
 * consistent, offsets inside the buffer, no two tensors overlapping), so
 * afterwards data pointers are safe to read. A set is one file or the
 * shards of model.safetensors.index.json (each tensor in the shard the
 * index names). */
#ifndef GORILLA_CONVERT_SAFETENSORS_H
#define GORILLA_CONVERT_SAFETENSORS_H

#include <stddef.h>
#include <stdint.h>

#include "gorilla.h"

#define ST_MAX_DIMS 8
#define ST_MAX_HEADER ((uint64_t)100 << 20)

typedef struct {
    char *name;
    const char *dtype;   /* as in the header ("BF16") */
    uint32_t qtype;      /* the ggml type of the elements: F32, F16 or BF16 */
    uint32_t n_dims;
    uint64_t shape[ST_MAX_DIMS]; /* PyTorch order: shape[n_dims-1] is the row length */
    uint64_t n_elems, n_bytes;
    const uint8_t *data;
    const char *file;    /* the file holding it */
} st_tensor;

typedef struct st_set st_set;

/* One safetensors file. */
gorilla_status st_open_file(const char *path, st_set **out, gorilla_error *err);
/* A checkpoint directory: model.safetensors.index.json (sharded) when
 * present, else model.safetensors, else the directory's only *.safetensors. */
gorilla_status st_open_dir(const char *dir, st_set **out, gorilla_error *err);
/* A file image in memory (not copied), for fuzzing; `name` for messages. */
gorilla_status st_open_buffer(const char *name, const void *data, size_t len, st_set **out, gorilla_error *err);
void st_close(st_set *s);

size_t st_count(const st_set *s);
const st_tensor *st_at(const st_set *s, size_t i);
const st_tensor *st_find(const st_set *s, const char *name);
/* The dtype's element size in bytes, 0 when the name is not a safetensors dtype. */
size_t st_dtype_size(const char *dtype);

#endif
