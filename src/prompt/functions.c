/* functions.c — function calling prompts and the parser of model output
 * into calls.
 *
 * Prompts: BFCL's default prompting system prompt (berkeley-function-call-
 * leaderboard, DEFAULT_SYSTEM_PROMPT: the instructions, then "Here is a
 * list of functions in JSON format that you can invoke." and str() of the
 * function list, as its prompting handlers format it), and the
 * OpenFunctions v1/v2 prompts of src/prompt/model_template.c with
 * json.dumps() of the list.
 *
 * Output: what function-calling models write, in any of these shapes:
 *   [f(a=1), g(b="x")]  or  f(a=1)          Python call syntax (BFCL's decoder)
 *   <<function>>f(a=1)<<function>>g(b=2)    OpenFunctions v1/v2
 *   {"name": "f", "arguments": {...}}       JSON, one object or a list; the
 *   [{"function": "f", "parameters": {}}]   keys name/function and
 *   <tool_call>{...}</tool_call>            arguments/parameters, arguments
 *   ```json ... ```                         as an object or a JSON string,
 *                                           and OpenAI's {"type": "function",
 *                                           "function": {...}}.
 * becomes [{"name": N, "arguments": {...}}]. Anything else is no call. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "base/pybuf.h"
#include "gorilla.h"
#include "store/pyrepr.h"

static const char SYSTEM_BASE[] =
    "You are an expert in composing functions. You are given a question and a set of possible functions. Based on "
    "the question, you will need to make one or more function/tool calls to achieve the purpose.\n"
    "If none of the functions can be used, point it out. If the given question lacks the parameters required by the "
    "function, also point it out.\n"
    "You should only return the function calls in your response.\n"
    "\n"
    "If you decide to invoke any of the function(s), you MUST put it in the format of [func_name1(params_name1="
    "params_value1, params_name2=params_value2...), func_name2(params)]\n"
    "You SHOULD NOT include any other text in the response.\n"
    "\n"
    "At each turn, you should try your best to complete the tasks requested by the user within the current turn. "
    "Continue to output functions to call until you have fulfilled the user's request to the best of your ability. "
    "Once you have no more functions to call, the system will consider the current turn complete and proceed to the "
    "next turn or task.\n";

const char *gorilla_fn_system_base(void)
{
    return SYSTEM_BASE;
}

static json_t *load_list(const char *functions_json)
{
    json_t *f = functions_json ? json_loads(functions_json, JSON_DECODE_ANY, NULL) : NULL;
    if (f && !json_is_array(f)) {
        json_t *a = json_array();
        if (a && json_array_append_new(a, f) == 0) return a;
        json_decref(a);
        return NULL;
    }
    return f;
}

char *gorilla_fn_system_prompt(const char *functions_json)
{
    json_t *f = load_list(functions_json);
    char *repr = f ? py_repr(f) : NULL;
    json_decref(f);
    pybuf b;
    pybuf_init(&b);
    pybuf_puts(&b, SYSTEM_BASE);
    pybuf_puts(&b, "\nHere is a list of functions in JSON format that you can invoke.\n");
    pybuf_puts(&b, repr ? repr : "[]");
    pybuf_puts(&b, "\n\n");
    free(repr);
    if (b.oom) {
        pybuf_free(&b);
        return NULL;
    }
    return pybuf_take(&b);
}

char *gorilla_fn_prompt(gorilla_template t, const char *functions_json, const char *question)
{
    if (t == GORILLA_TEMPLATE_OPENFUNCTIONS_V1 || t == GORILLA_TEMPLATE_OPENFUNCTIONS_V2) {
        json_t *f = load_list(functions_json);
        char *dumps = f ? py_json_dumps(f) : NULL;
        json_decref(f);
        char *p = gorilla_template_apply(t, question, dumps ? dumps : "[]");
        free(dumps);
        return p;
    }
    char *sys = gorilla_fn_system_prompt(functions_json);
    char *chat = gorilla_prompt_gorilla_chat(question);
    char *out = NULL;
    if (sys && chat) {
        size_t a = strlen(sys), c = strlen(chat);
        out = malloc(a + c + 1);
        if (out) {
            memcpy(out, sys, a);
            memcpy(out + a, chat, c + 1);
        }
    }
    free(sys);
    free(chat);
    return out;
}

/* ---- output parser ----------------------------------------------- */

static int is_ws(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static void strip(const char **s, size_t *n)
{
    while (*n && is_ws(**s)) (*s)++, (*n)--;
    while (*n && is_ws((*s)[*n - 1])) (*n)--;
}

static const char *find(const char *s, size_t n, const char *needle)
{
    size_t m = strlen(needle);
    for (size_t i = 0; m <= n && i <= n - m; i++)
        if (memcmp(s + i, needle, m) == 0) return s + i;
    return NULL;
}

/* One call object in any accepted JSON shape -> {"name", "arguments"}. */
static json_t *json_call(json_t *o)
{
    if (!json_is_object(o)) return NULL;
    json_t *fn = json_object_get(o, "function");
    if (json_is_object(fn)) o = fn; /* OpenAI's {"type": "function", "function": {...}} */
    json_t *name = json_object_get(o, "name");
    if (!json_is_string(name)) name = json_object_get(o, "function");
    if (!json_is_string(name) || json_string_length(name) == 0) return NULL;
    json_t *args = json_object_get(o, "arguments");
    if (!args) args = json_object_get(o, "parameters");
    json_t *parsed = NULL;
    if (!args || json_is_null(args)) {
        parsed = json_object();
    } else if (json_is_string(args)) {
        parsed = json_loadb(json_string_value(args), json_string_length(args), 0, NULL);
        if (!json_is_object(parsed)) {
            json_decref(parsed);
            return NULL;
        }
    } else if (json_is_object(args)) {
        parsed = json_incref(args);
    } else {
        return NULL;
    }
    json_t *call = json_pack("{s:O, s:o}", "name", name, "arguments", parsed);
    return call;
}

static json_t *from_json(const char *s, size_t n)
{
    json_t *v = json_loadb(s, n, JSON_DECODE_ANY, NULL);
    if (!v) return NULL;
    json_t *out = json_array();
    if (json_is_object(v) && json_is_array(json_object_get(v, "tool_calls"))) {
        json_t *tc = json_incref(json_object_get(v, "tool_calls"));
        json_decref(v);
        v = tc;
    }
    if (json_is_object(v)) {
        json_t *c = json_call(v);
        if (!c || json_array_append_new(out, c)) goto bad;
    } else if (json_is_array(v) && json_array_size(v) > 0) {
        size_t i;
        json_t *it;
        json_array_foreach(v, i, it) {
            json_t *c = json_call(it);
            if (!c || json_array_append_new(out, c)) goto bad;
        }
    } else {
        goto bad;
    }
    json_decref(v);
    return out;
bad:
    json_decref(v);
    json_decref(out);
    return NULL;
}

static json_t *from_python(const char *s, size_t n)
{
    char *calls = NULL;
    gorilla_error e = {0};
    if (gorilla_bfcl_decode("python", s, n, &calls, &e) != GORILLA_OK) return NULL;
    json_t *v = json_loads(calls, 0, NULL);
    free(calls);
    json_t *out = json_array();
    if (!json_is_array(v) || json_array_size(v) == 0 || !out) goto bad;
    size_t i;
    json_t *it;
    json_array_foreach(v, i, it) {
        if (!json_is_object(it) || json_object_size(it) != 1) goto bad;
        void *iter = json_object_iter(it);
        const char *name = json_object_iter_key(iter);
        json_t *args = json_object_iter_value(iter);
        if (!name || !*name || !json_is_object(args)) goto bad;
        if (json_array_append_new(out, json_pack("{s:s, s:O}", "name", name, "arguments", args))) goto bad;
    }
    json_decref(v);
    return out;
bad:
    json_decref(v);
    json_decref(out);
    return NULL;
}

/* Joins the pieces between separators `sep` (e.g. "<<function>>") into one
 * list text: JSON pieces as [p1, p2], call pieces as [c1, c2]. */
static char *join_pieces(const char *s, size_t n, const char *sep)
{
    pybuf b;
    pybuf_init(&b);
    pybuf_putc(&b, '[');
    size_t m = strlen(sep);
    int first = 1;
    while (n) {
        const char *at = find(s, n, sep);
        size_t len = at ? (size_t)(at - s) : n;
        const char *p = s;
        size_t pl = len;
        strip(&p, &pl);
        if (pl >= 2 && p[0] == '[' && p[pl - 1] == ']') p++, pl -= 2;
        strip(&p, &pl);
        if (pl) {
            if (!first) pybuf_puts(&b, ", ");
            pybuf_append(&b, p, pl);
            first = 0;
        }
        if (!at) break;
        s = at + m;
        n -= len + m;
    }
    pybuf_putc(&b, ']');
    if (b.oom) {
        pybuf_free(&b);
        return NULL;
    }
    return pybuf_take(&b);
}

static json_t *parse_text(const char *s, size_t n, int depth)
{
    strip(&s, &n);
    if (!n || depth > 3) return NULL;
    /* a fenced code block: its inside */
    const char *fence = find(s, n, "```");
    if (fence) {
        const char *in = fence + 3;
        size_t rest = n - (size_t)(in - s);
        while (rest && *in != '\n' && !is_ws(*in) && *in != '[' && *in != '{') in++, rest--; /* language tag */
        const char *end = find(in, rest, "```");
        return parse_text(in, end ? (size_t)(end - in) : rest, depth + 1);
    }
    /* <tool_call> blocks (Hermes/Qwen style), possibly several */
    if (find(s, n, "<tool_call>")) {
        pybuf b;
        pybuf_init(&b);
        pybuf_putc(&b, '[');
        const char *p = s;
        size_t left = n;
        int first = 1;
        const char *at;
        while ((at = find(p, left, "<tool_call>")) != NULL) {
            const char *in = at + 11;
            left -= (size_t)(in - p);
            const char *end = find(in, left, "</tool_call>");
            size_t len = end ? (size_t)(end - in) : left;
            const char *q = in;
            size_t ql = len;
            strip(&q, &ql);
            if (ql >= 2 && q[0] == '[' && q[ql - 1] == ']') q++, ql -= 2;
            if (!first) pybuf_puts(&b, ", ");
            pybuf_append(&b, q, ql);
            first = 0;
            if (!end) break;
            p = end + 12;
            left -= len + 12;
        }
        pybuf_putc(&b, ']');
        json_t *r = NULL;
        if (!b.oom) r = from_json(b.p, b.n);
        pybuf_free(&b);
        return r;
    }
    if (find(s, n, "<<function>>")) {
        char *joined = join_pieces(s, n, "<<function>>");
        json_t *r = NULL;
        if (joined) {
            size_t jl = strlen(joined);
            r = jl > 2 && joined[1] == '{' ? from_json(joined, jl) : parse_text(joined, jl, depth + 1);
        }
        free(joined);
        return r;
    }
    if (s[0] == '{') return from_json(s, n);
    if (s[0] == '[') {
        size_t i = 1;
        while (i < n && is_ws(s[i])) i++;
        if (i < n && s[i] == '{') return from_json(s, n);
    }
    return from_python(s, n);
}

gorilla_status gorilla_fn_parse(const char *text, size_t len, char **calls_json, gorilla_error *err)
{
    *calls_json = NULL;
    if (!text) return gorilla_fail(err, GORILLA_ERR_PARSE, "no output");
    json_t *calls = parse_text(text, len, 0);
    if (!calls) return gorilla_fail(err, GORILLA_ERR_PARSE, "the output is not a function call");
    *calls_json = json_dumps(calls, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(calls);
    return *calls_json ? GORILLA_OK : gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory");
}
