/* fn_docs.c — function documents: reading a list of them (BFCL / OpenAI
 * `functions` style, or OpenAI's `tools` form), the one check of a
 * document that the server's tools share, the `tools` list BFCL's FC
 * handlers send, and the check of parsed calls against the documents.
 *
 *   [{"name": "f", "description": "...", "parameters": {"type": "object"|"dict",
 *     "properties": {"a": {...}}, "required": ["a"]}}]
 *   [{"type": "function", "function": {"name": "f", ...}}]      (tools form)
 *
 * The check is the analogue of ask's hallucination warning: a call whose
 * name is none of the documents', an argument that is not among the
 * function's properties, a required argument missing. */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "gorilla.h"
#include "prompt/functions.h"

#define MAX_FILE (64u << 20) /* a function list larger than this is refused */
#define MAX_FUNCTIONS 4096

static int valid_name(const char *s, size_t n)
{
    if (n == 0 || n > 128) return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
              c == '.'))
            return 0;
    }
    return 1;
}

int fn_doc_check(const json_t *f, const char *where, char *msg, size_t cap)
{
    if (!json_is_object(f)) {
        snprintf(msg, cap, "%s must be an object {\"name\", \"description\", \"parameters\"}", where);
        return -1;
    }
    const json_t *name = json_object_get(f, "name");
    if (!name) {
        snprintf(msg, cap, "%s.name is missing", where);
        return -1;
    }
    if (!json_is_string(name) || !valid_name(json_string_value(name), json_string_length(name))) {
        snprintf(msg, cap, "%s.name must be a string of 1 to 128 letters, digits, '_', '-' or '.'", where);
        return -1;
    }
    const json_t *d = json_object_get(f, "description");
    if (d && !json_is_null(d) && !json_is_string(d)) {
        snprintf(msg, cap, "%s.description must be a string", where);
        return -1;
    }
    const json_t *p = json_object_get(f, "parameters");
    if (p && !json_is_null(p) && !json_is_object(p)) {
        snprintf(msg, cap, "%s.parameters must be a JSON Schema object", where);
        return -1;
    }
    return 0;
}

json_t *fn_doc_find(const json_t *functions, const char *name)
{
    size_t i;
    json_t *f;
    json_array_foreach(functions, i, f) {
        const char *n = json_string_value(json_object_get(f, "name"));
        if (n && name && !strcmp(n, name)) return f;
    }
    return NULL;
}

static const char *kind_of(const json_t *v)
{
    if (json_is_object(v)) return "a JSON object";
    if (json_is_string(v)) return "a string";
    if (json_is_number(v)) return "a number";
    if (json_is_boolean(v)) return "a boolean";
    return "null";
}

gorilla_status gorilla_fn_docs_parse(const char *text, size_t len, const char *source, char **functions_json,
                                     gorilla_error *err)
{
    *functions_json = NULL;
    const char *src = source ? source : "functions";
    json_error_t je;
    json_t *v = text ? json_loadb(text, len, JSON_DECODE_ANY, &je) : NULL;
    if (!v)
        return gorilla_fail(err, GORILLA_ERR_PARSE, "%s: not JSON: %s (line %d, column %d)", src,
                            text ? je.text : "no text", text ? je.line : 0, text ? je.column : 0);
    if (!json_is_array(v)) {
        gorilla_status st = gorilla_fail(err, GORILLA_ERR_PARSE,
                                         "%s: not a list of function documents but %s (expected [{\"name\", "
                                         "\"description\", \"parameters\"}, ...])",
                                         src, kind_of(v));
        json_decref(v);
        return st;
    }
    if (json_array_size(v) == 0 || json_array_size(v) > MAX_FUNCTIONS) {
        json_decref(v);
        return gorilla_fail(err, GORILLA_ERR_PARSE, "%s: the list must hold 1 to %d function documents", src,
                            MAX_FUNCTIONS);
    }
    json_t *out = json_array();
    if (!out) {
        json_decref(v);
        return gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory");
    }
    gorilla_status st = GORILLA_OK;
    size_t i;
    json_t *el;
    json_array_foreach(v, i, el) {
        char where[64], msg[512];
        snprintf(where, sizeof where, "item [%zu]", i);
        json_t *f = el;
        const json_t *type = json_object_get(el, "type");
        json_t *inner = json_object_get(el, "function");
        if (json_is_string(type) && !json_object_get(el, "name")) {
            /* the tools form {"type": "function", "function": {...}} */
            if (strcmp(json_string_value(type), "function") != 0) {
                st = gorilla_fail(err, GORILLA_ERR_PARSE, "%s: %s: a tool of type '%.64s' (only \"function\")", src,
                                  where, json_string_value(type));
                break;
            }
            snprintf(where, sizeof where, "item [%zu].function", i);
            f = inner;
        } else if (json_is_object(el) && json_is_object(inner) && !json_object_get(el, "name")) {
            snprintf(where, sizeof where, "item [%zu].function", i);
            f = inner;
        }
        if (fn_doc_check(f, where, msg, sizeof msg)) {
            st = gorilla_fail(err, GORILLA_ERR_PARSE, "%s: %s", src, msg);
            break;
        }
        const char *name = json_string_value(json_object_get(f, "name"));
        if (fn_doc_find(out, name)) {
            st = gorilla_fail(err, GORILLA_ERR_PARSE, "%s: %s: the function '%s' is given twice", src, where, name);
            break;
        }
        if (json_array_append(out, f)) {
            st = gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory");
            break;
        }
    }
    if (!st) {
        *functions_json = json_dumps(out, JSON_COMPACT | JSON_PRESERVE_ORDER);
        if (!*functions_json) st = gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory");
    }
    json_decref(out);
    json_decref(v);
    return st;
}

gorilla_status gorilla_fn_docs_load(const char *path, char **functions_json, gorilla_error *err)
{
    *functions_json = NULL;
    FILE *f = path ? fopen(path, "rb") : NULL;
    if (!f) return gorilla_fail(err, GORILLA_ERR_IO, "%s: cannot open: %s", path ? path : "(null)", strerror(errno));
    char *buf = NULL;
    size_t n = 0, cap = 0;
    gorilla_status st = GORILLA_OK;
    for (;;) {
        if (n + 65536 > cap) {
            size_t nc = cap ? cap * 2 : 65536;
            char *p = realloc(buf, nc + 1);
            if (!p) {
                st = gorilla_fail(err, GORILLA_ERR_NOMEM, "%s: out of memory", path);
                break;
            }
            buf = p;
            cap = nc;
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (n > MAX_FILE) {
            st = gorilla_fail(err, GORILLA_ERR_LIMIT, "%s: larger than %u MiB", path, MAX_FILE >> 20);
            break;
        }
        if (got == 0) {
            if (ferror(f)) st = gorilla_fail(err, GORILLA_ERR_IO, "%s: cannot read: %s", path, strerror(errno));
            break;
        }
    }
    fclose(f);
    if (!st) st = gorilla_fn_docs_parse(buf, n, path, functions_json, err);
    free(buf);
    return st;
}

char *gorilla_fn_tools(const char *functions_json)
{
    json_t *functions = functions_json ? json_loads(functions_json, 0, NULL) : NULL;
    json_t *tools = json_array();
    size_t i;
    json_t *f;
    int bad = !json_is_array(functions) || !tools;
    json_array_foreach(functions, i, f) {
        if (bad) break;
        json_t *c = json_deep_copy(f);
        const char *name = json_string_value(json_object_get(c, "name"));
        if (name) { /* '.' is not allowed in OpenAI function names: BFCL sends '_' */
            char *nm = strdup(name);
            for (char *q = nm; q && *q; q++)
                if (*q == '.') *q = '_';
            if (nm) json_object_set_new(c, "name", json_string(nm));
            free(nm);
        }
        json_t *params = json_object_get(c, "parameters");
        json_t *type = json_object_get(params, "type");
        if (json_is_string(type) && !strcmp(json_string_value(type), "dict"))
            json_object_set_new(params, "type", json_string("object"));
        bad |= json_array_append_new(tools, json_pack("{s:s, s:o}", "type", "function", "function", c)) != 0;
    }
    char *s = bad ? NULL : json_dumps(tools, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(tools);
    json_decref(functions);
    return s;
}

/* ---- the check of calls against the documents --------------------- */

/* The document a call names: its own name, or (FC over '_'-only names)
 * the one document whose name with '.' as '_' is that name. */
static json_t *resolve(const json_t *functions, const char *name)
{
    json_t *f = fn_doc_find(functions, name);
    if (f || !name) return f;
    json_t *found = NULL;
    size_t i;
    json_t *d;
    json_array_foreach(functions, i, d) {
        const char *n = json_string_value(json_object_get(d, "name"));
        if (!n || strlen(n) != strlen(name) || !strchr(n, '.')) continue;
        size_t k = 0;
        while (n[k] && (n[k] == name[k] || (n[k] == '.' && name[k] == '_'))) k++;
        if (n[k]) continue;
        if (found) return NULL; /* two candidates: no guess */
        found = d;
    }
    return found;
}

static int add_warning(json_t *warnings, const char *kind, size_t call, const char *name, const char *argument,
                       const char *message)
{
    json_t *w = json_pack("{s:s, s:I, s:s}", "kind", kind, "call", (json_int_t)call, "name", name ? name : "");
    if (!w) return -1;
    if (argument && json_object_set_new(w, "argument", json_string(argument))) {
        json_decref(w);
        return -1;
    }
    if (json_object_set_new(w, "message", json_string(message))) {
        json_decref(w);
        return -1;
    }
    return json_array_append_new(warnings, w);
}

gorilla_status gorilla_fn_check(const char *functions_json, const char *calls_json, char **calls_out,
                                char **warnings_json, gorilla_error *err)
{
    *calls_out = NULL;
    *warnings_json = NULL;
    json_t *functions = functions_json ? json_loads(functions_json, 0, NULL) : NULL;
    json_t *calls = calls_json ? json_loads(calls_json, 0, NULL) : NULL;
    json_t *out = json_array(), *warnings = json_array();
    gorilla_status st = GORILLA_OK;
    if (!json_is_array(functions) || !json_is_array(calls))
        st = gorilla_fail(err, GORILLA_ERR_INVALID, "fn check: functions and calls must be JSON lists");
    else if (!out || !warnings)
        st = gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory");
    size_t i;
    json_t *c;
    json_array_foreach(calls, i, c) {
        if (st) break;
        const char *name = json_string_value(json_object_get(c, "name"));
        json_t *args = json_object_get(c, "arguments");
        if (!name || !json_is_object(args)) {
            st = gorilla_fail(err, GORILLA_ERR_INVALID, "fn check: call %zu is not {\"name\", \"arguments\": {...}}",
                              i + 1);
            break;
        }
        char msg[768];
        int bad = 0;
        const json_t *doc = resolve(functions, name);
        const char *shown = doc ? json_string_value(json_object_get(doc, "name")) : name;
        if (!doc) {
            snprintf(msg, sizeof msg, "call %zu: '%.200s' is not one of the given functions", i + 1, name);
            bad |= add_warning(warnings, "unknown_function", i + 1, name, NULL, msg);
        } else {
            const json_t *params = json_object_get(doc, "parameters");
            const json_t *props = json_object_get(params, "properties");
            const char *k;
            json_t *val;
            json_object_foreach(args, k, val) {
                if (json_object_get(props, k)) continue;
                snprintf(msg, sizeof msg, "call %zu: %.200s has no parameter '%.200s'", i + 1, shown, k);
                bad |= add_warning(warnings, "unexpected_argument", i + 1, shown, k, msg);
            }
            size_t j;
            json_t *r;
            json_array_foreach(json_object_get(params, "required"), j, r) {
                const char *req = json_string_value(r);
                if (!req || json_object_get(args, req)) continue;
                snprintf(msg, sizeof msg, "call %zu: %.200s needs the argument '%.200s'", i + 1, shown, req);
                bad |= add_warning(warnings, "missing_required", i + 1, shown, req, msg);
            }
        }
        bad |= json_array_append_new(out, json_pack("{s:s, s:O}", "name", shown, "arguments", args)) != 0;
        if (bad) st = gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory");
    }
    if (!st) {
        *calls_out = json_dumps(out, JSON_COMPACT | JSON_PRESERVE_ORDER);
        *warnings_json = json_dumps(warnings, JSON_COMPACT | JSON_PRESERVE_ORDER);
        if (!*calls_out || !*warnings_json) {
            free(*calls_out);
            free(*warnings_json);
            *calls_out = *warnings_json = NULL;
            st = gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory");
        }
    }
    json_decref(out);
    json_decref(warnings);
    json_decref(calls);
    json_decref(functions);
    return st;
}
