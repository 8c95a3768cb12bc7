/* safetensors.c — the safetensors reader: header parsing with jansson,
 * bounds and overlap checks, single files and sharded sets. */
#include "convert/safetensors.h"

#include <dirent.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/error.h"
#include "convert/convert.h"
#include "llm/quant/quant.h"

struct st_set {
    cv_map *maps; /* one per file */
    size_t n_maps;
    st_tensor *t;
    size_t n, cap;
};

size_t st_dtype_size(const char *d)
{
    static const struct {
        const char *name;
        size_t size;
    } k[] = {{"F64", 8}, {"F32", 4}, {"F16", 2}, {"BF16", 2}, {"I64", 8}, {"U64", 8}, {"I32", 4},
             {"U32", 4}, {"I16", 2}, {"U16", 2}, {"I8", 1}, {"U8", 1}, {"BOOL", 1}, {"F8_E4M3", 1},
             {"F8_E5M2", 1}};
    for (size_t i = 0; i < sizeof k / sizeof *k; i++)
        if (!strcmp(k[i].name, d)) return k[i].size;
    return 0;
}

static int dtype_qtype(const char *d, uint32_t *q)
{
    if (!strcmp(d, "F32")) *q = QT_F32;
    else if (!strcmp(d, "F16")) *q = QT_F16;
    else if (!strcmp(d, "BF16")) *q = QT_BF16;
    else return -1;
    return 0;
}

void st_close(st_set *s)
{
    if (!s) return;
    for (size_t i = 0; i < s->n; i++) free(s->t[i].name);
    free(s->t);
    for (size_t i = 0; i < s->n_maps; i++) cv_map_close(&s->maps[i]);
    free(s->maps);
    free(s);
}

size_t st_count(const st_set *s) { return s->n; }
const st_tensor *st_at(const st_set *s, size_t i) { return i < s->n ? &s->t[i] : NULL; }

const st_tensor *st_find(const st_set *s, const char *name)
{
    for (size_t i = 0; i < s->n; i++)
        if (!strcmp(s->t[i].name, name)) return &s->t[i];
    return NULL;
}

static uint64_t rd_u64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--) v = v << 8 | p[i];
    return v;
}

typedef struct {
    uint64_t begin, end;
    size_t index;
} span;

static int span_cmp(const void *a, const void *b)
{
    const span *x = a, *y = b;
    return x->begin < y->begin ? -1 : x->begin > y->begin ? 1 : (x->end > y->end) - (x->end < y->end);
}

static gorilla_status bad(gorilla_error *err, const char *file, const char *tensor, const char *fmt, const char *what)
{
    if (tensor) return gorilla_fail(err, GORILLA_ERR_PARSE, "%s: tensor '%s': %s%s", file, tensor, fmt, what);
    return gorilla_fail(err, GORILLA_ERR_PARSE, "%s: %s%s", file, fmt, what);
}

/* One tensor entry of a header. */
static gorilla_status parse_entry(const char *file, const char *name, json_t *v, const uint8_t *buf, uint64_t buf_len,
                                  st_tensor *t, gorilla_error *err)
{
    memset(t, 0, sizeof *t);
    if (!json_is_object(v)) return bad(err, file, name, "entry is not an object", "");
    json_t *jd = json_object_get(v, "dtype"), *js = json_object_get(v, "shape"), *jo = json_object_get(v, "data_offsets");
    if (!json_is_string(jd)) return bad(err, file, name, "missing or non-string \"dtype\"", "");
    if (!json_is_array(js)) return bad(err, file, name, "missing or non-array \"shape\"", "");
    if (!json_is_array(jo) || json_array_size(jo) != 2) return bad(err, file, name, "\"data_offsets\" is not [begin, end]", "");
    const char *dtype = json_string_value(jd);
    size_t esize = st_dtype_size(dtype);
    if (!esize)
        return gorilla_fail(err, GORILLA_ERR_PARSE, "%s: tensor '%s': unknown dtype '%.32s'", file, name, dtype);
    if (dtype_qtype(dtype, &t->qtype))
        return gorilla_fail(err, GORILLA_ERR_UNSUPPORTED,
                            "%s: tensor '%s': dtype %s is not supported (F32, F16, BF16 are)", file, name, dtype);
    size_t nd = json_array_size(js);
    if (nd > ST_MAX_DIMS)
        return gorilla_fail(err, GORILLA_ERR_UNSUPPORTED, "%s: tensor '%s': %zu dimensions (at most %d)", file, name, nd,
                            ST_MAX_DIMS);
    uint64_t n = 1;
    for (size_t i = 0; i < nd; i++) {
        json_t *d = json_array_get(js, i);
        if (!json_is_integer(d) || json_integer_value(d) < 0)
            return bad(err, file, name, "shape has a non-integer or negative dimension", "");
        uint64_t x = (uint64_t)json_integer_value(d);
        if (x && n > UINT64_MAX / x / 8) return bad(err, file, name, "shape is too large", "");
        n *= x;
        t->shape[i] = x;
    }
    t->n_dims = (uint32_t)nd;
    t->n_elems = n;
    t->n_bytes = n * esize;
    json_t *jb = json_array_get(jo, 0), *je = json_array_get(jo, 1);
    if (!json_is_integer(jb) || !json_is_integer(je) || json_integer_value(jb) < 0 || json_integer_value(je) < 0)
        return bad(err, file, name, "data_offsets are not non-negative integers", "");
    uint64_t b = (uint64_t)json_integer_value(jb), e = (uint64_t)json_integer_value(je);
    if (b > e)
        return gorilla_fail(err, GORILLA_ERR_PARSE, "%s: tensor '%s': data_offsets [%llu, %llu] end before they begin",
                            file, name, (unsigned long long)b, (unsigned long long)e);
    if (e > buf_len)
        return gorilla_fail(err, GORILLA_ERR_PARSE,
                            "%s: tensor '%s': data_offsets [%llu, %llu] run past the end of the data (%llu bytes): "
                            "truncated file?",
                            file, name, (unsigned long long)b, (unsigned long long)e, (unsigned long long)buf_len);
    if (e - b != t->n_bytes)
        return gorilla_fail(err, GORILLA_ERR_PARSE,
                            "%s: tensor '%s': data_offsets [%llu, %llu] hold %llu bytes, its shape and dtype %s need %llu",
                            file, name, (unsigned long long)b, (unsigned long long)e, (unsigned long long)(e - b), dtype,
                            (unsigned long long)t->n_bytes);
    t->data = buf + b;
    if (!(t->name = strdup(name))) return gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory");
    return GORILLA_OK;
}

static gorilla_status push(st_set *s, const st_tensor *t, gorilla_error *err)
{
    if (s->n == s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 64;
        st_tensor *nt = realloc(s->t, cap * sizeof *nt);
        if (!nt) return gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory");
        s->t = nt;
        s->cap = cap;
    }
    s->t[s->n++] = *t;
    return GORILLA_OK;
}

/* Parses one file image and appends its tensors (their `file` is `name`,
 * which must outlive the set). */
static gorilla_status parse_image(st_set *s, const char *name, const uint8_t *data, size_t len, gorilla_error *err)
{
    if (len < 8)
        return gorilla_fail(err, GORILLA_ERR_PARSE, "%s: %zu bytes is too short for a safetensors file (8-byte header length)",
                            name, len);
    uint64_t hl = rd_u64(data);
    if (hl > ST_MAX_HEADER)
        return gorilla_fail(err, GORILLA_ERR_LIMIT, "%s: header length %llu is larger than the %llu allowed", name,
                            (unsigned long long)hl, (unsigned long long)ST_MAX_HEADER);
    if (hl > len - 8)
        return gorilla_fail(err, GORILLA_ERR_PARSE,
                            "%s: header length %llu runs past the end of the file (%zu bytes): truncated file?", name,
                            (unsigned long long)hl, len);
    json_error_t je;
    json_t *root = json_loadb((const char *)data + 8, (size_t)hl, JSON_REJECT_DUPLICATES, &je);
    if (!root)
        return gorilla_fail(err, GORILLA_ERR_PARSE, "%s: header JSON: %s (at byte %d of the header)", name, je.text,
                            je.position);
    if (!json_is_object(root)) {
        json_decref(root);
        return gorilla_fail(err, GORILLA_ERR_PARSE, "%s: header is not a JSON object", name);
    }
    const uint8_t *buf = data + 8 + hl;
    uint64_t buf_len = (uint64_t)len - 8 - hl;
    size_t first = s->n;
    gorilla_status st = GORILLA_OK;
    const char *key;
    json_t *v;
    json_object_foreach(root, key, v)
    {
        if (!strcmp(key, "__metadata__")) {
            if (!json_is_object(v)) {
                st = gorilla_fail(err, GORILLA_ERR_PARSE, "%s: __metadata__ is not an object", name);
                break;
            }
            continue;
        }
        st_tensor t;
        if ((st = parse_entry(name, key, v, buf, buf_len, &t, err))) break;
        t.file = name;
        t.dtype = t.qtype == QT_F32 ? "F32" : t.qtype == QT_F16 ? "F16" : "BF16";
        if ((st = push(s, &t, err))) {
            free(t.name);
            break;
        }
    }
    json_decref(root);
    if (st) return st;
    /* no two tensors share bytes */
    size_t n = s->n - first;
    if (n > 1) {
        span *sp = malloc(n * sizeof *sp);
        if (!sp) return gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory");
        for (size_t i = 0; i < n; i++) {
            const st_tensor *t = &s->t[first + i];
            sp[i].begin = (uint64_t)(t->data - buf);
            sp[i].end = sp[i].begin + t->n_bytes;
            sp[i].index = first + i;
        }
        qsort(sp, n, sizeof *sp, span_cmp);
        for (size_t i = 1; i < n && !st; i++)
            if (sp[i].begin < sp[i - 1].end && sp[i].end > sp[i].begin && sp[i - 1].end > sp[i - 1].begin)
                st = gorilla_fail(err, GORILLA_ERR_PARSE,
                                  "%s: tensors '%s' [%llu, %llu] and '%s' [%llu, %llu] overlap", name,
                                  s->t[sp[i - 1].index].name, (unsigned long long)sp[i - 1].begin,
                                  (unsigned long long)sp[i - 1].end, s->t[sp[i].index].name,
                                  (unsigned long long)sp[i].begin, (unsigned long long)sp[i].end);
        free(sp);
    }
    return st;
}

static gorilla_status new_set(st_set **out, gorilla_error *err)
{
    if (!(*out = calloc(1, sizeof **out))) return gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory");
    return GORILLA_OK;
}

gorilla_status st_open_buffer(const char *name, const void *data, size_t len, st_set **out, gorilla_error *err)
{
    *out = NULL;
    st_set *s;
    gorilla_status st = new_set(&s, err);
    if (st) return st;
    if ((st = parse_image(s, name, data, len, err))) {
        st_close(s);
        return st;
    }
    *out = s;
    return GORILLA_OK;
}

/* Maps `path` as the set's next file and parses it. */
static gorilla_status add_file(st_set *s, const char *path, gorilla_error *err)
{
    cv_map *m = realloc(s->maps, (s->n_maps + 1) * sizeof *m);
    if (!m) return gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory");
    s->maps = m;
    gorilla_status st = cv_map_open(path, &s->maps[s->n_maps], err);
    if (st) return st;
    cv_map *mm = &s->maps[s->n_maps++];
    return parse_image(s, mm->path, mm->data, mm->size, err);
}

gorilla_status st_open_file(const char *path, st_set **out, gorilla_error *err)
{
    *out = NULL;
    st_set *s;
    gorilla_status st = new_set(&s, err);
    if (st) return st;
    if ((st = add_file(s, path, err))) {
        st_close(s);
        return st;
    }
    *out = s;
    return GORILLA_OK;
}

static char *join(const char *dir, const char *name)
{
    size_t cap = strlen(dir) + strlen(name) + 2;
    char *p = malloc(cap);
    if (!p) return NULL;
    snprintf(p, cap, "%s/%s", dir, name);
    return p;
}

static int exists(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0;
}

/* Sharded: the index's weight_map (tensor -> shard file); every shard is
 * opened once; each tensor must be in the shard the index names. */
static gorilla_status open_index(st_set *s, const char *dir, const char *index_path, gorilla_error *err)
{
    char *text = NULL;
    gorilla_status st = cv_read_text(index_path, (size_t)64 << 20, &text, NULL, err);
    if (st) return st;
    json_error_t je;
    json_t *root = json_loads(text, 0, &je);
    free(text);
    if (!root) return gorilla_fail(err, GORILLA_ERR_PARSE, "%s:%d:%d: %s", index_path, je.line, je.column, je.text);
    json_t *wm = json_object_get(root, "weight_map");
    if (!json_is_object(wm)) {
        json_decref(root);
        return gorilla_fail(err, GORILLA_ERR_PARSE, "%s: no \"weight_map\" object", index_path);
    }
    const char *key;
    json_t *v;
    /* shards in first-seen order */
    json_object_foreach(wm, key, v)
    {
        if (!json_is_string(v) || strchr(json_string_value(v), '/') || !strcmp(json_string_value(v), "..")) {
            st = gorilla_fail(err, GORILLA_ERR_PARSE, "%s: weight_map['%s'] is not a file name in the directory",
                              index_path, key);
            break;
        }
        const char *shard = json_string_value(v);
        int seen = 0;
        for (size_t i = 0; i < s->n_maps && !seen; i++) {
            const char *base = strrchr(s->maps[i].path, '/');
            seen = !strcmp(base ? base + 1 : s->maps[i].path, shard);
        }
        if (seen) continue;
        char *p = join(dir, shard);
        if (!p) {
            st = gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory");
            break;
        }
        st = add_file(s, p, err);
        free(p);
        if (st) break;
    }
    /* every indexed tensor present, in the named shard */
    if (!st) json_object_foreach(wm, key, v)
        {
            const st_tensor *t = st_find(s, key);
            const char *base = t ? strrchr(t->file, '/') : NULL;
            if (!t) {
                st = gorilla_fail(err, GORILLA_ERR_INVALID, "%s: tensor '%s' is in the index but not in shard %s",
                                  index_path, key, json_string_value(v));
                break;
            }
            if (strcmp(base ? base + 1 : t->file, json_string_value(v)) != 0) {
                st = gorilla_fail(err, GORILLA_ERR_INVALID, "%s: tensor '%s' is in %s, the index says %s", index_path,
                                  key, t->file, json_string_value(v));
                break;
            }
        }
    json_decref(root);
    return st;
}

static int has_suffix(const char *s, const char *suf)
{
    size_t a = strlen(s), b = strlen(suf);
    return a >= b && !strcmp(s + a - b, suf);
}

gorilla_status st_open_dir(const char *dir, st_set **out, gorilla_error *err)
{
    *out = NULL;
    st_set *s;
    gorilla_status st = new_set(&s, err);
    if (st) return st;
    char *index = join(dir, "model.safetensors.index.json"), *single = join(dir, "model.safetensors");
    if (!index || !single) {
        st = gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory");
    } else if (exists(index)) {
        st = open_index(s, dir, index, err);
    } else if (exists(single)) {
        st = add_file(s, single, err);
    } else {
        /* the only *.safetensors in the directory */
        DIR *d = opendir(dir);
        char *found = NULL;
        int count = 0;
        if (d) {
            struct dirent *e;
            while ((e = readdir(d)))
                if (has_suffix(e->d_name, ".safetensors") && count++ == 0) found = join(dir, e->d_name);
            closedir(d);
        }
        char *pt = join(dir, "pytorch_model.bin"), *pti = join(dir, "pytorch_model.bin.index.json");
        int pickle = (pt && exists(pt)) || (pti && exists(pti));
        free(pt);
        free(pti);
        if (count == 1 && found) st = add_file(s, found, err);
        else if (count > 1)
            st = gorilla_fail(err, GORILLA_ERR_INVALID,
                              "%s: %d .safetensors files but no model.safetensors.index.json to say which is which", dir,
                              count);
        else if (pickle)
            st = gorilla_fail(err, GORILLA_ERR_UNSUPPORTED,
                              "%s: only PyTorch pickle weights (pytorch_model.bin), which are not read: save the "
                              "checkpoint as safetensors first",
                              dir);
        else st = gorilla_fail(err, GORILLA_ERR_NOT_FOUND, "%s: no model.safetensors (or sharded index) found", dir);
        free(found);
    }
    free(index);
    free(single);
    if (st) {
        st_close(s);
        return st;
    }
    *out = s;
    return GORILLA_OK;
}
