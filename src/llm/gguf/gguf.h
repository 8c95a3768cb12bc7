/* gguf.h — a validating GGUF (v2, v3) reader over a read-only memory map
 * (internal).
 *
 * gguf_open checks the whole file before returning: every length, count,
 * type and offset is bounded by the file size, tensor data lies inside the
 * file at the declared alignment, and dims do not overflow. Afterwards the
 * accessors never read outside the map. Keys and tensor names are copied
 * (NUL-terminated); values and tensor data point into the map. */
#ifndef GORILLA_LLM_GGUF_H
#define GORILLA_LLM_GGUF_H

#include <stddef.h>
#include <stdint.h>

#include "gorilla.h"

typedef enum {
    GGUF_T_UINT8 = 0,
    GGUF_T_INT8 = 1,
    GGUF_T_UINT16 = 2,
    GGUF_T_INT16 = 3,
    GGUF_T_UINT32 = 4,
    GGUF_T_INT32 = 5,
    GGUF_T_FLOAT32 = 6,
    GGUF_T_BOOL = 7,
    GGUF_T_STRING = 8,
    GGUF_T_ARRAY = 9,
    GGUF_T_UINT64 = 10,
    GGUF_T_INT64 = 11,
    GGUF_T_FLOAT64 = 12,
    GGUF_T_COUNT
} gguf_vtype;

#define GGUF_MAGIC 0x46554747u /* "GGUF" little-endian */
#define GGUF_DEFAULT_ALIGNMENT 32
#define GGUF_MAX_DIMS 4

/* A string inside the map (not NUL-terminated). */
typedef struct {
    const char *ptr;
    uint64_t len;
} gguf_str;

typedef struct {
    char *key;            /* NUL-terminated copy */
    gguf_vtype type;
    /* Scalars and strings: the value's bytes in the map. */
    const uint8_t *data;
    gguf_str str;         /* when type == STRING */
    /* Arrays: element type, count, first element; strings indexed. */
    gguf_vtype arr_type;
    uint64_t arr_n;
    gguf_str *arr_str;    /* when arr_type == STRING: arr_n entries */
} gguf_kv;

typedef struct {
    char *name;           /* NUL-terminated copy */
    uint32_t type;        /* qtype id */
    uint32_t n_dims;
    uint64_t ne[GGUF_MAX_DIMS]; /* ne[0] is the row length; unused dims are 1 */
    uint64_t n_elems;
    uint64_t n_bytes;
    uint64_t offset;      /* from the start of the data section */
    const void *data;
} gguf_tensor;

typedef struct gguf_file gguf_file;

/* Maps and validates a file. */
gorilla_status gguf_open(const char *path, gguf_file **out, gorilla_error *err);
/* Validates a file image in memory (not copied: it must outlive the
 * result). `name` is used in messages. */
gorilla_status gguf_open_buffer(const char *name, const void *data, size_t len, gguf_file **out,
                                gorilla_error *err);
void gguf_close(gguf_file *f);
/* Tells the kernel that bytes [p, p + n) of a mapped file will not be read
 * soon: whole pages inside the range leave the process's resident set
 * (they are read back from the file if touched again). No-op for buffers
 * the caller owns. */
void gguf_drop_pages(const gguf_file *f, const void *p, size_t n);

const char *gguf_name(const gguf_file *f);
uint32_t gguf_version(const gguf_file *f);
uint64_t gguf_file_size(const gguf_file *f);
uint32_t gguf_alignment(const gguf_file *f);

size_t gguf_n_kv(const gguf_file *f);
const gguf_kv *gguf_kv_at(const gguf_file *f, size_t i);
const gguf_kv *gguf_find_kv(const gguf_file *f, const char *key);
const char *gguf_vtype_name(gguf_vtype t);

/* Typed lookups. Return GORILLA_OK, GORILLA_ERR_NOT_FOUND when the key is
 * absent, or GORILLA_ERR_INVALID when it has another type or (for integer
 * lookups) a value out of range; err names the key. Integer lookups accept
 * any integer type; float lookups accept f32 and f64. */
gorilla_status gguf_get_u64(const gguf_file *f, const char *key, uint64_t *out, gorilla_error *err);
gorilla_status gguf_get_i64(const gguf_file *f, const char *key, int64_t *out, gorilla_error *err);
gorilla_status gguf_get_u32(const gguf_file *f, const char *key, uint32_t *out, gorilla_error *err);
gorilla_status gguf_get_i32(const gguf_file *f, const char *key, int32_t *out, gorilla_error *err);
gorilla_status gguf_get_f64(const gguf_file *f, const char *key, double *out, gorilla_error *err);
gorilla_status gguf_get_f32(const gguf_file *f, const char *key, float *out, gorilla_error *err);
gorilla_status gguf_get_bool(const gguf_file *f, const char *key, int *out, gorilla_error *err);
gorilla_status gguf_get_str(const gguf_file *f, const char *key, gguf_str *out, gorilla_error *err);
/* Arrays: the kv when it is an array of elem type `t`. */
gorilla_status gguf_get_arr(const gguf_file *f, const char *key, gguf_vtype t, const gguf_kv **out,
                            gorilla_error *err);
/* Elements of an array kv (i < arr_n; the caller checks the type). */
gguf_str gguf_arr_str(const gguf_kv *kv, uint64_t i);
float gguf_arr_f32(const gguf_kv *kv, uint64_t i);
int32_t gguf_arr_i32(const gguf_kv *kv, uint64_t i);
/* Compares a map string with a C string. */
int gguf_str_eq(gguf_str s, const char *c);

size_t gguf_n_tensors(const gguf_file *f);
const gguf_tensor *gguf_tensor_at(const gguf_file *f, size_t i);
const gguf_tensor *gguf_find_tensor(const gguf_file *f, const char *name);

#endif
