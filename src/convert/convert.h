/* convert.h — what the checkpoint converters share (internal).
 *
 * A conversion is a plan: the GGUF metadata (in a gguf_writer) and a list
 * of output tensors, each naming where its values come from (a mapped
 * source in some element type, optionally with its rows reordered). At
 * save time every tensor is produced row by row: source -> f32 -> the
 * output type (src/llm/quant), so a model is never held in memory twice. */
#ifndef GORILLA_CONVERT_H
#define GORILLA_CONVERT_H

#include <stddef.h>
#include <stdint.h>

#include "gorilla.h"
#include "llm/gguf/gguf_write.h"

/* ---- mapped input files ---------------------------------------------- */

typedef struct {
    char *path;          /* copy, for messages */
    const uint8_t *data; /* NULL when size == 0 */
    size_t size;
} cv_map;

/* Maps a regular file read-only (a directory or special file is an error). */
gorilla_status cv_map_open(const char *path, cv_map *m, gorilla_error *err);
void cv_map_close(cv_map *m);
/* Reads a whole (small) text file into a malloc'd NUL-terminated buffer. */
gorilla_status cv_read_text(const char *path, size_t max_bytes, char **out, size_t *len, gorilla_error *err);

/* ---- tensor sources -------------------------------------------------- */

typedef enum {
    CV_SRC_QTYPE = 0, /* rows of a ggml type (F32, F16, BF16, Q*): `qtype` */
    CV_SRC_I8_GROUPS  /* llama2.c Q8_0 export: int8 values, one f32 scale per
                         `group` consecutive elements of the flattened tensor */
} cv_src_kind;

typedef struct {
    char name[96];          /* GGUF tensor name */
    uint32_t n_dims;
    uint64_t ne[4];         /* GGUF order: ne[0] is the row length */
    uint32_t type;          /* output type */
    cv_src_kind kind;
    uint32_t qtype;         /* CV_SRC_QTYPE */
    const uint8_t *data;    /* source values (rows of ne[0]) */
    const uint8_t *scales;  /* CV_SRC_I8_GROUPS: little-endian f32 */
    uint64_t group;         /* CV_SRC_I8_GROUPS */
    uint64_t *row_map;      /* owned; output row r comes from source row row_map[r]; NULL: identity */
} cv_tensor;

typedef struct {
    gguf_writer *w;
    cv_tensor *t;
    size_t n, cap;
    const char *src_name; /* input name for messages */
} cv_plan;

gorilla_status cv_plan_init(cv_plan *p, const char *src_name, gorilla_error *err);
void cv_plan_free(cv_plan *p);
/* Appends a tensor (copied); `type` is the requested output type, which
 * cv_pick_type adjusts. Row maps are taken over (freed by the plan). */
gorilla_status cv_plan_add(cv_plan *p, const cv_tensor *t, gorilla_error *err);
/* Produces tensor i's bytes (n_bytes of its output type) into buf. */
gorilla_status cv_plan_fill(const cv_plan *p, size_t i, void *buf, size_t n_bytes, gorilla_error *err);
/* Writes the file: to PATH.tmp, then renamed over PATH. */
gorilla_status cv_plan_save(cv_plan *p, const char *path, gorilla_error *err);

/* The output type of a tensor when `want` is asked for, as llama.cpp does
 * it: 1-D tensors stay F32; a row length that is not a multiple of the
 * type's block falls back (Q4_K -> Q5_0, Q5_K -> Q5_1, Q6_K -> Q8_0,
 * Q2_K/Q3_K -> Q4_0), then to F16. */
uint32_t cv_pick_type(uint32_t want, uint32_t n_dims, uint64_t ne0);
/* llama.cpp's general.file_type (llama_ftype) for a weight type. */
uint32_t cv_file_type(uint32_t type);

/* Row maps (malloc'd, NULL when out of memory). */
/* HF -> GGUF rotary order: inside each of n_head heads, the rows of the
 * first and second halves are interleaved (output row 2i+s of a head is
 * source row s*D/2+i), as llama.cpp's convert_hf_to_gguf permute() does. */
uint64_t *cv_rowmap_rope_permute(uint64_t rows, uint64_t n_head);

/* The llama2.c conversion of a mapped checkpoint and tokenizer into an
 * initialized plan (llama2c.c); `want` is the weight type. */
gorilla_status l2c_plan(const cv_map *ckpt, const cv_map *tok, const char *name, uint32_t want, cv_plan *p,
                        gorilla_convert_info *info, gorilla_error *err);

/* Adds the metadata keys every output has: name, file type. */
int cv_meta_common(gguf_writer *w, const char *arch, const char *name, uint32_t weight_type);

#endif
