/* gguf.c — the validating GGUF reader.
 *
 * Layout (all little-endian): magic "GGUF", u32 version, u64 n_tensors,
 * u64 n_kv; n_kv × (string key, u32 type, value); n_tensors × (string name,
 * u32 n_dims, u64 ne[n_dims], u32 type, u64 offset); padding to the
 * alignment (general.alignment, default 32); tensor data. A string is a u64
 * length and that many bytes; an array value is u32 element type, u64 count,
 * elements. */
#include "llm/gguf/gguf.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/error.h"
#include "llm/quant/quant.h"

struct gguf_file {
    char *name;
    const uint8_t *base;
    size_t size;
    void *map; /* non-NULL when we own a mapping of `size` bytes */
    uint32_t version;
    uint32_t alignment;
    gguf_kv *kvs;
    size_t n_kv;
    size_t *kv_sorted; /* indices sorted by key */
    gguf_tensor *tensors;
    size_t n_tensors;
    size_t *t_sorted; /* indices sorted by name */
    uint64_t data_offset;
};

typedef struct {
    const uint8_t *p;
    size_t len, pos;
    const char *name;
    gorilla_error *err;
} reader;

static const char *const VTYPE_NAMES[GGUF_T_COUNT] = {
    "u8", "i8", "u16", "i16", "u32", "i32", "f32", "bool", "string", "array", "u64", "i64", "f64",
};
static const uint8_t VTYPE_SIZE[GGUF_T_COUNT] = {1, 1, 2, 2, 4, 4, 4, 1, 0, 0, 8, 8, 8};

const char *gguf_vtype_name(gguf_vtype t)
{
    return (unsigned)t < GGUF_T_COUNT ? VTYPE_NAMES[t] : "?";
}

/* ---- the cursor ------------------------------------------------------- */

static gorilla_status truncated(reader *r, uint64_t need, const char *what)
{
    return gorilla_fail(r->err, GORILLA_ERR_PARSE,
                        "%s: truncated file: %s at offset %zu needs %llu bytes, %zu left", r->name, what,
                        r->pos, (unsigned long long)need, r->len - r->pos);
}

static int has(const reader *r, uint64_t n) { return n <= (uint64_t)(r->len - r->pos); }

static uint64_t le(const uint8_t *p, int n)
{
    uint64_t v = 0;
    for (int i = n - 1; i >= 0; i--) v = v << 8 | p[i];
    return v;
}

/* The readers zero their output on failure, so no caller can read an
 * uninitialized value whatever it does with the status. */
static gorilla_status rd_u32(reader *r, uint32_t *v, const char *what)
{
    *v = 0;
    if (!has(r, 4)) return truncated(r, 4, what);
    *v = (uint32_t)le(r->p + r->pos, 4);
    r->pos += 4;
    return GORILLA_OK;
}

static gorilla_status rd_u64(reader *r, uint64_t *v, const char *what)
{
    *v = 0;
    if (!has(r, 8)) return truncated(r, 8, what);
    *v = le(r->p + r->pos, 8);
    r->pos += 8;
    return GORILLA_OK;
}

static gorilla_status rd_str(reader *r, gguf_str *s, const char *what)
{
    s->ptr = NULL;
    s->len = 0;
    uint64_t n;
    gorilla_status st = rd_u64(r, &n, what);
    if (st) return st;
    if (!has(r, n)) return truncated(r, n, what);
    s->ptr = (const char *)r->p + r->pos;
    s->len = n;
    r->pos += (size_t)n;
    return GORILLA_OK;
}

/* A NUL-terminated copy of a name (key or tensor name); rejects empty
 * names and embedded NULs. */
static gorilla_status copy_name(reader *r, gguf_str s, const char *what, size_t idx, char **out)
{
    if (s.len == 0)
        return gorilla_fail(r->err, GORILLA_ERR_PARSE, "%s: %s %zu has an empty name", r->name, what, idx);
    if (memchr(s.ptr, 0, (size_t)s.len))
        return gorilla_fail(r->err, GORILLA_ERR_PARSE, "%s: %s %zu: name contains a NUL byte", r->name,
                            what, idx);
    char *c = malloc((size_t)s.len + 1);
    if (!c) return gorilla_fail(r->err, GORILLA_ERR_NOMEM, "%s: out of memory", r->name);
    memcpy(c, s.ptr, (size_t)s.len);
    c[s.len] = 0;
    *out = c;
    return GORILLA_OK;
}

/* ---- metadata --------------------------------------------------------- */

static gorilla_status parse_value(reader *r, gguf_kv *kv)
{
    char what[300];
    snprintf(what, sizeof what, "value of key '%.200s'", kv->key);
    gguf_vtype t = kv->type;
    if ((unsigned)t >= GGUF_T_COUNT)
        return gorilla_fail(r->err, GORILLA_ERR_PARSE, "%s: key '%s': unknown value type %u", r->name,
                            kv->key, (unsigned)t);
    if (t == GGUF_T_STRING) return rd_str(r, &kv->str, what);
    if (t != GGUF_T_ARRAY) {
        if (!has(r, VTYPE_SIZE[t])) return truncated(r, VTYPE_SIZE[t], what);
        kv->data = r->p + r->pos;
        if (t == GGUF_T_BOOL && kv->data[0] > 1)
            return gorilla_fail(r->err, GORILLA_ERR_PARSE, "%s: key '%s': bool value %u is not 0 or 1",
                                r->name, kv->key, kv->data[0]);
        r->pos += VTYPE_SIZE[t];
        return GORILLA_OK;
    }
    uint32_t et;
    uint64_t n;
    gorilla_status st = rd_u32(r, &et, what);
    if (!st) st = rd_u64(r, &n, what);
    if (st) return st;
    if (et >= GGUF_T_COUNT)
        return gorilla_fail(r->err, GORILLA_ERR_PARSE, "%s: key '%s': unknown array element type %u",
                            r->name, kv->key, et);
    if (et == GGUF_T_ARRAY)
        return gorilla_fail(r->err, GORILLA_ERR_UNSUPPORTED, "%s: key '%s': nested arrays are not supported",
                            r->name, kv->key);
    kv->arr_type = (gguf_vtype)et;
    kv->arr_n = n;
    kv->data = r->p + r->pos;
    if (et == GGUF_T_STRING) {
        /* Each string takes at least its 8-byte length. */
        if (n > (uint64_t)(r->len - r->pos) / 8)
            return gorilla_fail(r->err, GORILLA_ERR_PARSE,
                                "%s: truncated file: key '%s': array of %llu strings does not fit in the %zu bytes left",
                                r->name, kv->key, (unsigned long long)n, r->len - r->pos);
        kv->arr_str = malloc((size_t)(n ? n : 1) * sizeof *kv->arr_str);
        if (!kv->arr_str) return gorilla_fail(r->err, GORILLA_ERR_NOMEM, "%s: out of memory", r->name);
        for (uint64_t i = 0; i < n; i++)
            if ((st = rd_str(r, &kv->arr_str[i], what))) return st;
        return GORILLA_OK;
    }
    uint64_t es = VTYPE_SIZE[et];
    if (n > (uint64_t)(r->len - r->pos) / es)
        return gorilla_fail(r->err, GORILLA_ERR_PARSE,
                            "%s: truncated file: key '%s': array of %llu %s at offset %zu past end of file (size %zu)",
                            r->name, kv->key, (unsigned long long)n, VTYPE_NAMES[et], r->pos, r->len);
    if (et == GGUF_T_BOOL)
        for (uint64_t i = 0; i < n; i++)
            if (kv->data[i] > 1)
                return gorilla_fail(r->err, GORILLA_ERR_PARSE, "%s: key '%s': bool element %llu is not 0 or 1",
                                    r->name, kv->key, (unsigned long long)i);
    r->pos += (size_t)(n * es);
    return GORILLA_OK;
}

/* ---- sorted name indices ---------------------------------------------- */

typedef struct {
    const char *name;
    size_t idx;
} name_idx;

static int cmp_name_idx(const void *a, const void *b)
{
    const name_idx *x = a, *y = b;
    return strcmp(x->name, y->name);
}

/* Sorts names, fails on a duplicate; fills `sorted` with indices. */
static gorilla_status sort_names(reader *r, const char *const *names, size_t n, size_t *sorted,
                                 const char *what)
{
    name_idx *v = malloc((n ? n : 1) * sizeof *v);
    if (!v) return gorilla_fail(r->err, GORILLA_ERR_NOMEM, "%s: out of memory", r->name);
    for (size_t i = 0; i < n; i++) v[i] = (name_idx){names[i], i};
    qsort(v, n, sizeof *v, cmp_name_idx);
    for (size_t i = 0; i < n; i++) {
        if (i && strcmp(v[i].name, v[i - 1].name) == 0) {
            gorilla_status st = gorilla_fail(r->err, GORILLA_ERR_PARSE, "%s: duplicate %s '%.200s'", r->name,
                                             what, v[i].name);
            free(v);
            return st;
        }
        sorted[i] = v[i].idx;
    }
    free(v);
    return GORILLA_OK;
}

static uint64_t sat_add(uint64_t a, uint64_t b) { return a > UINT64_MAX - b ? UINT64_MAX : a + b; }

/* ---- open ------------------------------------------------------------- */

static gorilla_status parse(gguf_file *f, gorilla_error *err)
{
    reader rr = {f->base, f->size, 0, f->name, err}, *r = &rr;
    gorilla_status st;
    uint32_t magic;
    if ((st = rd_u32(r, &magic, "header magic"))) return st;
    if (magic != GGUF_MAGIC)
        return gorilla_fail(err, GORILLA_ERR_PARSE, "%s: not a GGUF file (magic %02x %02x %02x %02x)", f->name,
                            f->base[0], f->base[1], f->base[2], f->base[3]);
    if ((st = rd_u32(r, &f->version, "header version"))) return st;
    if (f->version != 2 && f->version != 3) {
        if (f->version >= 0x01000000u)
            return gorilla_fail(err, GORILLA_ERR_UNSUPPORTED,
                                "%s: GGUF version %u looks byte-swapped: big-endian files are not supported",
                                f->name, f->version);
        return gorilla_fail(err, GORILLA_ERR_UNSUPPORTED, "%s: unsupported GGUF version %u (supported: 2, 3)",
                            f->name, f->version);
    }
    uint64_t n_tensors, n_kv;
    if ((st = rd_u64(r, &n_tensors, "header tensor count"))) return st;
    if ((st = rd_u64(r, &n_kv, "header metadata count"))) return st;
    /* Smallest key/value: 8 (len) + 1 (key) + 4 (type) + 1 (u8) bytes;
     * smallest tensor info: 8 + 1 + 4 + 8 + 4 + 8. */
    if (n_kv > (uint64_t)(r->len - r->pos) / 14)
        return gorilla_fail(err, GORILLA_ERR_PARSE, "%s: truncated or corrupt file: metadata count %llu cannot fit in %zu bytes",
                            f->name, (unsigned long long)n_kv, f->size);
    if (n_tensors > (uint64_t)(r->len - r->pos) / 33)
        return gorilla_fail(err, GORILLA_ERR_PARSE, "%s: truncated or corrupt file: tensor count %llu cannot fit in %zu bytes",
                            f->name, (unsigned long long)n_tensors, f->size);

    f->kvs = calloc((size_t)n_kv + 1, sizeof *f->kvs);
    f->kv_sorted = calloc((size_t)n_kv + 1, sizeof *f->kv_sorted);
    f->tensors = calloc((size_t)n_tensors + 1, sizeof *f->tensors);
    f->t_sorted = calloc((size_t)n_tensors + 1, sizeof *f->t_sorted);
    if (!f->kvs || !f->kv_sorted || !f->tensors || !f->t_sorted)
        return gorilla_fail(err, GORILLA_ERR_NOMEM, "%s: out of memory", f->name);

    f->alignment = GGUF_DEFAULT_ALIGNMENT;
    for (size_t i = 0; i < n_kv; i++) {
        gguf_kv *kv = &f->kvs[i];
        gguf_str key;
        char what[64];
        snprintf(what, sizeof what, "metadata key %zu", i);
        if ((st = rd_str(r, &key, what))) return st;
        if ((st = copy_name(r, key, "metadata key", i, &kv->key))) return st;
        f->n_kv = i + 1;
        uint32_t t;
        snprintf(what, sizeof what, "type of metadata key %zu", i);
        if ((st = rd_u32(r, &t, what))) return st;
        kv->type = (gguf_vtype)t;
        if ((st = parse_value(r, kv))) return st;
        if (strcmp(kv->key, "general.alignment") == 0) {
            if (kv->type != GGUF_T_UINT32)
                return gorilla_fail(err, GORILLA_ERR_PARSE, "%s: general.alignment has type %s, expected u32",
                                    f->name, gguf_vtype_name(kv->type));
            uint32_t a = (uint32_t)le(kv->data, 4);
            if (a == 0 || (a & (a - 1)) || a > (1u << 20))
                return gorilla_fail(err, GORILLA_ERR_PARSE,
                                    "%s: general.alignment %u is not a power of two in [1, 2^20]", f->name, a);
            f->alignment = a;
        }
    }
    {
        const char **names = malloc((size_t)(n_kv ? n_kv : 1) * sizeof *names);
        if (!names) return gorilla_fail(err, GORILLA_ERR_NOMEM, "%s: out of memory", f->name);
        for (size_t i = 0; i < n_kv; i++) names[i] = f->kvs[i].key;
        st = sort_names(r, names, (size_t)n_kv, f->kv_sorted, "metadata key");
        free(names);
        if (st) return st;
    }

    for (size_t i = 0; i < n_tensors; i++) {
        gguf_tensor *t = &f->tensors[i];
        gguf_str name;
        char what[320];
        snprintf(what, sizeof what, "name of tensor %zu", i);
        if ((st = rd_str(r, &name, what))) return st;
        if ((st = copy_name(r, name, "tensor", i, &t->name))) return st;
        f->n_tensors = i + 1;
        snprintf(what, sizeof what, "info of tensor '%.200s'", t->name);
        if ((st = rd_u32(r, &t->n_dims, what))) return st;
        if (t->n_dims < 1 || t->n_dims > GGUF_MAX_DIMS)
            return gorilla_fail(err, GORILLA_ERR_PARSE, "%s: tensor '%s': %u dimensions (expected 1 to %d)",
                                f->name, t->name, t->n_dims, GGUF_MAX_DIMS);
        uint64_t n = 1;
        for (uint32_t d = 0; d < GGUF_MAX_DIMS; d++) t->ne[d] = 1;
        for (uint32_t d = 0; d < t->n_dims; d++) {
            if ((st = rd_u64(r, &t->ne[d], what))) return st;
            if (t->ne[d] == 0)
                return gorilla_fail(err, GORILLA_ERR_PARSE, "%s: tensor '%s': dimension %u is 0", f->name,
                                    t->name, d);
            if (t->ne[d] > (uint64_t)INT64_MAX / n)
                return gorilla_fail(err, GORILLA_ERR_PARSE, "%s: tensor '%s': element count overflows", f->name,
                                    t->name);
            n *= t->ne[d];
        }
        t->n_elems = n;
        if ((st = rd_u32(r, &t->type, what))) return st;
        const qtype_traits *tr = qtype_get(t->type);
        if (!tr) {
            const char *nm = qtype_name(t->type);
            if (strcmp(nm, "?") != 0)
                return gorilla_fail(err, GORILLA_ERR_UNSUPPORTED, "%s: tensor '%s': type %s (%u) is not supported",
                                    f->name, t->name, nm, t->type);
            return gorilla_fail(err, GORILLA_ERR_PARSE, "%s: tensor '%s': unknown tensor type %u", f->name,
                                t->name, t->type);
        }
        if (t->ne[0] % tr->block_size)
            return gorilla_fail(err, GORILLA_ERR_PARSE,
                                "%s: tensor '%s': row length %llu is not a multiple of the %s block size %u",
                                f->name, t->name, (unsigned long long)t->ne[0], tr->name, tr->block_size);
        uint64_t blocks = n / tr->block_size;
        if (blocks > UINT64_MAX / tr->type_size)
            return gorilla_fail(err, GORILLA_ERR_PARSE, "%s: tensor '%s': byte size overflows", f->name, t->name);
        t->n_bytes = blocks * tr->type_size;
        if ((st = rd_u64(r, &t->offset, what))) return st;
        if (t->offset % f->alignment)
            return gorilla_fail(err, GORILLA_ERR_PARSE, "%s: tensor '%s': data offset %llu is not a multiple of the alignment %u",
                                f->name, t->name, (unsigned long long)t->offset, f->alignment);
    }
    {
        const char **names = malloc((size_t)(n_tensors ? n_tensors : 1) * sizeof *names);
        if (!names) return gorilla_fail(err, GORILLA_ERR_NOMEM, "%s: out of memory", f->name);
        for (size_t i = 0; i < n_tensors; i++) names[i] = f->tensors[i].name;
        st = sort_names(r, names, (size_t)n_tensors, f->t_sorted, "tensor");
        free(names);
        if (st) return st;
    }

    uint64_t a = f->alignment;
    uint64_t data = ((uint64_t)r->pos + a - 1) / a * a;
    f->data_offset = data;
    if (n_tensors && data > f->size)
        return gorilla_fail(err, GORILLA_ERR_PARSE, "%s: truncated file: tensor data would start at offset %llu, past end of file (size %zu)",
                            f->name, (unsigned long long)data, f->size);
    for (size_t i = 0; i < n_tensors; i++) {
        gguf_tensor *t = &f->tensors[i];
        uint64_t room = f->size - data;
        if (t->offset > room || t->n_bytes > room - t->offset)
            return gorilla_fail(err, GORILLA_ERR_PARSE,
                                "%s: tensor '%s': data [%llu, %llu) past end of file (size %zu)", f->name, t->name,
                                (unsigned long long)sat_add(data, t->offset),
                                (unsigned long long)sat_add(sat_add(data, t->offset), t->n_bytes), f->size);
        t->data = f->base + data + t->offset;
    }
    return GORILLA_OK;
}

static int cmp_offset(const void *a, const void *b)
{
    const gguf_tensor *x = *(const gguf_tensor *const *)a, *y = *(const gguf_tensor *const *)b;
    return x->offset < y->offset ? -1 : x->offset > y->offset;
}

/* Tensors must not share bytes. */
static gorilla_status check_overlap(gguf_file *f, gorilla_error *err)
{
    if (f->n_tensors < 2) return GORILLA_OK;
    const gguf_tensor **v = malloc(f->n_tensors * sizeof *v);
    if (!v) return gorilla_fail(err, GORILLA_ERR_NOMEM, "%s: out of memory", f->name);
    for (size_t i = 0; i < f->n_tensors; i++) v[i] = &f->tensors[i];
    qsort(v, f->n_tensors, sizeof *v, cmp_offset);
    gorilla_status st = GORILLA_OK;
    for (size_t i = 1; i < f->n_tensors; i++)
        if (v[i - 1]->offset + v[i - 1]->n_bytes > v[i]->offset) {
            st = gorilla_fail(err, GORILLA_ERR_PARSE, "%s: tensors '%s' and '%s' overlap", f->name, v[i - 1]->name,
                              v[i]->name);
            break;
        }
    free(v);
    return st;
}

gorilla_status gguf_open_buffer(const char *name, const void *data, size_t len, gguf_file **out,
                                gorilla_error *err)
{
    *out = NULL;
    gguf_file *f = calloc(1, sizeof *f);
    if (!f || !(f->name = strdup(name ? name : "(buffer)"))) {
        free(f);
        return gorilla_fail(err, GORILLA_ERR_NOMEM, "%s: out of memory", name ? name : "(buffer)");
    }
    f->base = data;
    f->size = len;
    gorilla_status st = parse(f, err);
    if (!st) st = check_overlap(f, err);
    if (st) {
        gguf_close(f);
        return st;
    }
    *out = f;
    return GORILLA_OK;
}

gorilla_status gguf_open(const char *path, gguf_file **out, gorilla_error *err)
{
    *out = NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return gorilla_fail(err, GORILLA_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    struct stat sb;
    if (fstat(fd, &sb) != 0) {
        int e = errno;
        close(fd);
        return gorilla_fail(err, GORILLA_ERR_IO, "%s: cannot stat: %s", path, strerror(e));
    }
    if (!S_ISREG(sb.st_mode)) {
        close(fd);
        return gorilla_fail(err, GORILLA_ERR_IO, "%s: not a regular file", path);
    }
    if (sb.st_size == 0) {
        close(fd);
        return gorilla_fail(err, GORILLA_ERR_PARSE, "%s: empty file (not GGUF)", path);
    }
    size_t size = (size_t)sb.st_size;
    void *map = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
    int e = errno;
    close(fd);
    if (map == MAP_FAILED) return gorilla_fail(err, GORILLA_ERR_IO, "%s: cannot map: %s", path, strerror(e));
    gguf_file *f;
    gorilla_status st = gguf_open_buffer(path, map, size, &f, err);
    if (st) {
        munmap(map, size);
        return st;
    }
    f->map = map;
    *out = f;
    return GORILLA_OK;
}

void gguf_close(gguf_file *f)
{
    if (!f) return;
    for (size_t i = 0; i < f->n_kv; i++) {
        free(f->kvs[i].key);
        free(f->kvs[i].arr_str);
    }
    for (size_t i = 0; i < f->n_tensors; i++) free(f->tensors[i].name);
    free(f->kvs);
    free(f->kv_sorted);
    free(f->tensors);
    free(f->t_sorted);
    if (f->map) munmap(f->map, f->size);
    free(f->name);
    free(f);
}

/* ---- accessors -------------------------------------------------------- */

const char *gguf_name(const gguf_file *f) { return f->name; }

void gguf_drop_pages(const gguf_file *f, const void *p, size_t n)
{
    uintptr_t base = (uintptr_t)f->map, a = (uintptr_t)p;
    if (!f->map || a < base || n > f->size || a - base > f->size - n) return;
    uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
    uintptr_t lo = (a + page - 1) / page * page, hi = (a + n) / page * page;
    if (hi > lo) (void)madvise((void *)lo, hi - lo, MADV_DONTNEED);
}
uint32_t gguf_version(const gguf_file *f) { return f->version; }
uint64_t gguf_file_size(const gguf_file *f) { return f->size; }
uint32_t gguf_alignment(const gguf_file *f) { return f->alignment; }
size_t gguf_n_kv(const gguf_file *f) { return f->n_kv; }
const gguf_kv *gguf_kv_at(const gguf_file *f, size_t i) { return i < f->n_kv ? &f->kvs[i] : NULL; }
size_t gguf_n_tensors(const gguf_file *f) { return f->n_tensors; }
const gguf_tensor *gguf_tensor_at(const gguf_file *f, size_t i) { return i < f->n_tensors ? &f->tensors[i] : NULL; }

const gguf_kv *gguf_find_kv(const gguf_file *f, const char *key)
{
    size_t lo = 0, hi = f->n_kv;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(f->kvs[f->kv_sorted[mid]].key, key);
        if (c == 0) return &f->kvs[f->kv_sorted[mid]];
        if (c < 0) lo = mid + 1; else hi = mid;
    }
    return NULL;
}

const gguf_tensor *gguf_find_tensor(const gguf_file *f, const char *name)
{
    size_t lo = 0, hi = f->n_tensors;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(f->tensors[f->t_sorted[mid]].name, name);
        if (c == 0) return &f->tensors[f->t_sorted[mid]];
        if (c < 0) lo = mid + 1; else hi = mid;
    }
    return NULL;
}

static gorilla_status lookup(const gguf_file *f, const char *key, const gguf_kv **kv, gorilla_error *err)
{
    *kv = gguf_find_kv(f, key);
    if (!*kv) return gorilla_fail(err, GORILLA_ERR_NOT_FOUND, "%s: missing metadata key '%s'", f->name, key);
    return GORILLA_OK;
}

static gorilla_status wrong_type(const gguf_file *f, const gguf_kv *kv, const char *want, gorilla_error *err)
{
    return gorilla_fail(err, GORILLA_ERR_INVALID, "%s: metadata key '%s' has type %s, expected %s", f->name,
                        kv->key, kv->type == GGUF_T_ARRAY ? "array" : gguf_vtype_name(kv->type), want);
}

/* Any integer value as a signed/unsigned pair; returns 0 when not an integer. */
static int int_value(const gguf_kv *kv, int64_t *s, uint64_t *u, int *is_signed)
{
    const uint8_t *p = kv->data;
    *is_signed = 0;
    switch (kv->type) {
    case GGUF_T_UINT8: *u = p[0]; break;
    case GGUF_T_UINT16: *u = le(p, 2); break;
    case GGUF_T_UINT32: *u = le(p, 4); break;
    case GGUF_T_UINT64: *u = le(p, 8); break;
    case GGUF_T_INT8: *s = p[0] < 0x80 ? (int64_t)p[0] : (int64_t)p[0] - 256; *is_signed = 1; break;
    case GGUF_T_INT16: *s = (int16_t)le(p, 2); *is_signed = 1; break;
    case GGUF_T_INT32: *s = (int32_t)le(p, 4); *is_signed = 1; break;
    case GGUF_T_INT64: *s = (int64_t)le(p, 8); *is_signed = 1; break;
    default: return 0;
    }
    if (*is_signed) *u = (uint64_t)*s;
    else *s = (int64_t)*u;
    return 1;
}

gorilla_status gguf_get_u64(const gguf_file *f, const char *key, uint64_t *out, gorilla_error *err)
{
    const gguf_kv *kv;
    gorilla_status st = lookup(f, key, &kv, err);
    if (st) return st;
    int64_t s;
    uint64_t u;
    int sg;
    if (!int_value(kv, &s, &u, &sg)) return wrong_type(f, kv, "an integer", err);
    if (sg && s < 0)
        return gorilla_fail(err, GORILLA_ERR_INVALID, "%s: metadata key '%s' is negative (%lld)", f->name, key,
                            (long long)s);
    *out = u;
    return GORILLA_OK;
}

gorilla_status gguf_get_i64(const gguf_file *f, const char *key, int64_t *out, gorilla_error *err)
{
    const gguf_kv *kv;
    gorilla_status st = lookup(f, key, &kv, err);
    if (st) return st;
    int64_t s;
    uint64_t u;
    int sg;
    if (!int_value(kv, &s, &u, &sg)) return wrong_type(f, kv, "an integer", err);
    if (!sg && u > (uint64_t)INT64_MAX)
        return gorilla_fail(err, GORILLA_ERR_INVALID, "%s: metadata key '%s' is too large (%llu)", f->name, key,
                            (unsigned long long)u);
    *out = s;
    return GORILLA_OK;
}

gorilla_status gguf_get_u32(const gguf_file *f, const char *key, uint32_t *out, gorilla_error *err)
{
    uint64_t v;
    gorilla_status st = gguf_get_u64(f, key, &v, err);
    if (st) return st;
    if (v > UINT32_MAX)
        return gorilla_fail(err, GORILLA_ERR_INVALID, "%s: metadata key '%s' is too large (%llu)", f->name, key,
                            (unsigned long long)v);
    *out = (uint32_t)v;
    return GORILLA_OK;
}

gorilla_status gguf_get_i32(const gguf_file *f, const char *key, int32_t *out, gorilla_error *err)
{
    int64_t v;
    gorilla_status st = gguf_get_i64(f, key, &v, err);
    if (st) return st;
    if (v > INT32_MAX || v < INT32_MIN)
        return gorilla_fail(err, GORILLA_ERR_INVALID, "%s: metadata key '%s' is out of range (%lld)", f->name, key,
                            (long long)v);
    *out = (int32_t)v;
    return GORILLA_OK;
}

gorilla_status gguf_get_f64(const gguf_file *f, const char *key, double *out, gorilla_error *err)
{
    const gguf_kv *kv;
    gorilla_status st = lookup(f, key, &kv, err);
    if (st) return st;
    if (kv->type == GGUF_T_FLOAT32) {
        uint32_t b = (uint32_t)le(kv->data, 4);
        float v;
        memcpy(&v, &b, 4);
        *out = v;
    } else if (kv->type == GGUF_T_FLOAT64) {
        uint64_t b = le(kv->data, 8);
        memcpy(out, &b, 8);
    } else {
        return wrong_type(f, kv, "f32 or f64", err);
    }
    return GORILLA_OK;
}

gorilla_status gguf_get_f32(const gguf_file *f, const char *key, float *out, gorilla_error *err)
{
    double v;
    gorilla_status st = gguf_get_f64(f, key, &v, err);
    if (!st) *out = (float)v;
    return st;
}

gorilla_status gguf_get_bool(const gguf_file *f, const char *key, int *out, gorilla_error *err)
{
    const gguf_kv *kv;
    gorilla_status st = lookup(f, key, &kv, err);
    if (st) return st;
    if (kv->type != GGUF_T_BOOL) return wrong_type(f, kv, "bool", err);
    *out = kv->data[0] != 0;
    return GORILLA_OK;
}

gorilla_status gguf_get_str(const gguf_file *f, const char *key, gguf_str *out, gorilla_error *err)
{
    const gguf_kv *kv;
    gorilla_status st = lookup(f, key, &kv, err);
    if (st) return st;
    if (kv->type != GGUF_T_STRING) return wrong_type(f, kv, "string", err);
    *out = kv->str;
    return GORILLA_OK;
}

gorilla_status gguf_get_arr(const gguf_file *f, const char *key, gguf_vtype t, const gguf_kv **out,
                            gorilla_error *err)
{
    const gguf_kv *kv;
    gorilla_status st = lookup(f, key, &kv, err);
    if (st) return st;
    if (kv->type != GGUF_T_ARRAY || kv->arr_type != t) {
        char want[32];
        snprintf(want, sizeof want, "array of %s", gguf_vtype_name(t));
        if (kv->type == GGUF_T_ARRAY)
            return gorilla_fail(err, GORILLA_ERR_INVALID, "%s: metadata key '%s' is an array of %s, expected %s",
                                f->name, key, gguf_vtype_name(kv->arr_type), want);
        return wrong_type(f, kv, want, err);
    }
    *out = kv;
    return GORILLA_OK;
}

gguf_str gguf_arr_str(const gguf_kv *kv, uint64_t i) { return kv->arr_str[i]; }

float gguf_arr_f32(const gguf_kv *kv, uint64_t i)
{
    uint32_t b = (uint32_t)le(kv->data + 4 * i, 4);
    float v;
    memcpy(&v, &b, 4);
    return v;
}

int32_t gguf_arr_i32(const gguf_kv *kv, uint64_t i) { return (int32_t)le(kv->data + 4 * i, 4); }

int gguf_str_eq(gguf_str s, const char *c)
{
    size_t n = strlen(c);
    return s.len == n && memcmp(s.ptr, c, n) == 0;
}
