/* view.c — the read-only document view of store/store.h over jansson values. */
#include "store/store.h"
#include "store/store_internal.h"
#include "store/pyrepr.h"

#include <stdlib.h>

/* A view is the jansson value itself: no copy, no allocation. */
static const json_t *J(const store_value *v) { return (const json_t *)v; }
static const store_value *V(const json_t *j) { return (const store_value *)j; }

const store_value *store_doc(const gorilla_store *store, size_t i) { return V(gorilla_store_doc(store, i)); }

const store_value *store_pair(const gorilla_pairs *pairs, size_t i)
{
    return pairs && i < pairs->n ? V(pairs->objs[i]) : NULL;
}

store_kind store_value_kind(const store_value *v)
{
    const json_t *j = J(v);
    if (!j) return STORE_ABSENT;
    switch (json_typeof(j)) {
    case JSON_OBJECT: return STORE_OBJECT;
    case JSON_ARRAY: return STORE_ARRAY;
    case JSON_STRING: return STORE_STRING;
    case JSON_INTEGER:
    case JSON_REAL: return STORE_NUMBER;
    case JSON_TRUE:
    case JSON_FALSE: return STORE_BOOL;
    default: return STORE_NULL;
    }
}

const store_value *store_value_get(const store_value *obj, const char *key)
{
    return json_is_object(J(obj)) ? V(json_object_get(J(obj), key)) : NULL;
}

const char *store_value_string(const store_value *v, size_t *len)
{
    if (!json_is_string(J(v))) return NULL;
    if (len) *len = json_string_length(J(v));
    return json_string_value(J(v));
}

const char *store_value_get_string(const store_value *obj, const char *key)
{
    return store_value_string(store_value_get(obj, key), NULL);
}

int store_value_number(const store_value *v, double *out)
{
    if (!json_is_number(J(v))) return 0;
    *out = json_number_value(J(v));
    return 1;
}

size_t store_value_size(const store_value *v)
{
    if (json_is_array(J(v))) return json_array_size(J(v));
    if (json_is_object(J(v))) return json_object_size(J(v));
    return 0;
}

const store_value *store_value_at(const store_value *arr, size_t i)
{
    return json_is_array(J(arr)) ? V(json_array_get(J(arr), i)) : NULL;
}

static void iter_fill(store_iter *it)
{
    it->key = it->pos ? json_object_iter_key(it->pos) : NULL;
    it->value = it->pos ? V(json_object_iter_value(it->pos)) : NULL;
}

store_iter store_iter_begin(const store_value *obj)
{
    store_iter it = {obj, NULL, NULL, NULL};
    if (json_is_object(J(obj))) it.pos = json_object_iter((json_t *)J(obj));
    iter_fill(&it);
    return it;
}

void store_iter_next(store_iter *it)
{
    if (it->pos) it->pos = json_object_iter_next((json_t *)J(it->obj), it->pos);
    iter_fill(it);
}

void store_py_repr_append(pybuf *b, const store_value *v)
{
    if (v) py_repr_append(b, J(v));
}

void store_py_str_append(pybuf *b, const store_value *v)
{
    if (v) py_str_append(b, J(v));
}

char *store_py_str(const store_value *v) { return v ? py_str(J(v)) : NULL; }

char *store_py_json_dumps(const store_value *v) { return v ? py_json_dumps(J(v)) : NULL; }

char *store_value_json(const store_value *v)
{
    return v ? json_dumps(J(v), JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY) : NULL;
}
