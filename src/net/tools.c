/* tools.c — function calling in `gorilla serve`: OpenAI's `tools` and
 * `tool_choice`, the prompt with the function documents, the model's
 * output as `tool_calls`, and gorilla-cli's shell-command prompt.
 *
 * Request shapes (OpenAI chat completions):
 *   "tools": [{"type": "function", "function": {"name", "description", "parameters"}}]
 *   "tool_choice": "none" | "auto" | "required" | {"type": "function", "function": {"name": N}}
 * (the legacy "functions": [{"name", ...}] is read as tools). Answer:
 *   "message": {"role": "assistant", "content": null, "tool_calls": [{"id",
 *   "type": "function", "function": {"name", "arguments": "<JSON text>"}}]}
 * with finish_reason "tool_calls". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/pybuf.h"
#include "gorilla.h"
#include "net/server.h"
#include "net/tools.h"
#include "prompt/functions.h"

void net_tools_clear(net_tools *t)
{
    if (!t) return;
    json_decref(t->functions);
    t->functions = NULL;
    t->required = 0;
}

int net_tools_parse(json_t *req, net_tools *t, char *msg, size_t cap)
{
    t->functions = NULL;
    t->required = 0;
    json_t *tools = json_object_get(req, "tools");
    int legacy = 0;
    if (!tools || json_is_null(tools)) {
        tools = json_object_get(req, "functions");
        legacy = 1;
    }
    json_t *choice = json_object_get(req, "tool_choice");
    if (!choice || json_is_null(choice)) choice = json_object_get(req, "function_call");
    if (!tools || json_is_null(tools)) {
        if (choice && !json_is_null(choice) && !(json_is_string(choice) && (!strcmp(json_string_value(choice), "none") ||
                                                                            !strcmp(json_string_value(choice), "auto")))) {
            snprintf(msg, cap, "'tool_choice' needs 'tools'");
            return -1;
        }
        return 0;
    }
    const char *key = legacy ? "functions" : "tools";
    if (!json_is_array(tools)) {
        snprintf(msg, cap, "'%s' must be a list of {\"type\": \"function\", \"function\": {...}} objects", key);
        return -1;
    }
    if (json_array_size(tools) > 512) {
        snprintf(msg, cap, "'%s' has more than 512 functions", key);
        return -1;
    }
    json_t *fns = json_array();
    if (!fns) {
        snprintf(msg, cap, "out of memory");
        return -1;
    }
    size_t i;
    json_t *tool;
    json_array_foreach(tools, i, tool) {
        char where[64];
        json_t *f = tool;
        if (!legacy) {
            snprintf(where, sizeof where, "tools[%zu]", i);
            json_t *type = json_object_get(tool, "type");
            if (!json_is_object(tool) || (type && !(json_is_string(type) && !strcmp(json_string_value(type), "function")))) {
                snprintf(msg, cap, "%s must be an object with \"type\": \"function\"", where);
                goto bad;
            }
            f = json_object_get(tool, "function");
            snprintf(where, sizeof where, "tools[%zu].function", i);
        } else {
            snprintf(where, sizeof where, "functions[%zu]", i);
        }
        if (fn_doc_check(f, where, msg, cap)) goto bad;
        if (fn_doc_find(fns, json_string_value(json_object_get(f, "name")))) {
            snprintf(msg, cap, "%s: the name '%s' is given twice", where, json_string_value(json_object_get(f, "name")));
            goto bad;
        }
        json_array_append(fns, f);
    }
    if (choice && !json_is_null(choice)) {
        if (json_is_string(choice)) {
            const char *c = json_string_value(choice);
            if (!strcmp(c, "none")) {
                json_decref(fns);
                return 0;
            }
            if (!strcmp(c, "required")) t->required = 1;
            else if (strcmp(c, "auto") != 0) {
                snprintf(msg, cap, "'tool_choice' must be \"none\", \"auto\", \"required\" or "
                                   "{\"type\": \"function\", \"function\": {\"name\": ...}}");
                goto bad;
            }
        } else {
            json_t *fn = json_object_get(choice, "function");
            json_t *name = json_is_object(fn) ? json_object_get(fn, "name") : json_object_get(choice, "name");
            json_t *f = json_is_string(name) ? fn_doc_find(fns, json_string_value(name)) : NULL;
            if (!f) {
                snprintf(msg, cap, json_is_string(name) ? "'tool_choice' names '%.128s', which is not among the tools"
                                                        : "'tool_choice' must name a function: {\"type\": \"function\", "
                                                          "\"function\": {\"name\": ...}}",
                         json_is_string(name) ? json_string_value(name) : "");
                goto bad;
            }
            json_t *only = json_pack("[O]", f);
            json_decref(fns);
            fns = only;
            t->required = 1;
        }
    }
    if (json_array_size(fns) == 0) {
        json_decref(fns);
        return 0;
    }
    t->functions = fns;
    return 0;
bad:
    json_decref(fns);
    return -1;
}

/* ---- prompts ----------------------------------------------------- */

/* Text of a content: a string, text parts joined, or "" for null. */
static char *content_of(json_t *c)
{
    if (!c || json_is_null(c)) return strdup("");
    if (json_is_string(c)) return strdup(json_string_value(c));
    if (!json_is_array(c)) return NULL;
    pybuf b;
    pybuf_init(&b);
    size_t i;
    json_t *part;
    json_array_foreach(c, i, part) {
        json_t *t = json_object_get(part, "text");
        if (!json_is_string(t)) {
            pybuf_free(&b);
            return NULL;
        }
        pybuf_append(&b, json_string_value(t), json_string_length(t));
    }
    if (!b.p) pybuf_append(&b, "", 0);
    if (b.oom) {
        pybuf_free(&b);
        return NULL;
    }
    return pybuf_take(&b);
}

/* An assistant turn's tool calls as call text: [f(a=1), g(b="x")]
 * (argument values written as JSON). */
static char *calls_text(json_t *tcs)
{
    pybuf b;
    pybuf_init(&b);
    pybuf_putc(&b, '[');
    size_t i;
    json_t *tc;
    json_array_foreach(tcs, i, tc) {
        json_t *fn = json_object_get(tc, "function");
        const char *name = json_string_value(json_object_get(fn, "name"));
        const char *args = json_string_value(json_object_get(fn, "arguments"));
        json_t *a = args ? json_loads(args, 0, NULL) : NULL;
        if (i) pybuf_puts(&b, ", ");
        pybuf_puts(&b, name ? name : "?");
        pybuf_putc(&b, '(');
        const char *k;
        json_t *v;
        int first = 1;
        if (json_is_object(a)) json_object_foreach(a, k, v) {
                char *vs = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
                if (!first) pybuf_puts(&b, ", ");
                pybuf_puts(&b, k);
                pybuf_putc(&b, '=');
                pybuf_puts(&b, vs ? vs : "null");
                free(vs);
                first = 0;
            }
        json_decref(a);
        pybuf_putc(&b, ')');
    }
    pybuf_putc(&b, ']');
    if (b.oom) {
        pybuf_free(&b);
        return NULL;
    }
    return pybuf_take(&b);
}

char *net_tools_prompt(const net_tools *t, int tmpl, json_t *messages, char *msg, size_t cap)
{
    size_t n = json_array_size(messages);
    if (!json_is_array(messages) || n == 0 || n > 4096) {
        snprintf(msg, cap, "'messages' must be a non-empty array of {\"role\", \"content\"} objects");
        return NULL;
    }
    char *fjson = json_dumps(t->functions, JSON_COMPACT);
    if (!fjson) {
        snprintf(msg, cap, "out of memory");
        return NULL;
    }
    const char **roles = calloc(n + 1, sizeof *roles);
    char **texts = calloc(n + 1, sizeof *texts);
    char *prompt = NULL, *last_user = NULL;
    size_t k = 0;
    if (!roles || !texts) {
        snprintf(msg, cap, "out of memory");
        goto done;
    }
    if (tmpl != GORILLA_TEMPLATE_OPENFUNCTIONS_V1 && tmpl != GORILLA_TEMPLATE_OPENFUNCTIONS_V2) {
        char *sys = gorilla_fn_system_prompt(fjson);
        if (!sys) {
            snprintf(msg, cap, "out of memory");
            goto done;
        }
        size_t sl = strlen(sys);
        if (sl && sys[sl - 1] == '\n') sys[sl - 1] = '\0'; /* the chat prompt adds one */
        roles[k] = "system";
        texts[k++] = sys;
    }
    for (size_t i = 0; i < n; i++) {
        json_t *m = json_array_get(messages, i);
        const char *role = json_string_value(json_object_get(m, "role"));
        if (!role || (strcmp(role, "system") != 0 && strcmp(role, "user") != 0 && strcmp(role, "assistant") != 0 &&
                      strcmp(role, "developer") != 0 && strcmp(role, "tool") != 0 && strcmp(role, "function") != 0)) {
            snprintf(msg, cap, "messages[%zu]: 'role' must be \"system\", \"user\", \"assistant\" or \"tool\"", i);
            goto done;
        }
        json_t *tcs = json_object_get(m, "tool_calls");
        char *text = !strcmp(role, "assistant") && json_is_array(tcs) && json_array_size(tcs)
                         ? calls_text(tcs)
                         : content_of(json_object_get(m, "content"));
        if (!text) {
            snprintf(msg, cap, "messages[%zu]: 'content' must be a string, null or an array of text parts", i);
            goto done;
        }
        if (!strcmp(role, "tool") || !strcmp(role, "function")) {
            pybuf b;
            pybuf_init(&b);
            pybuf_puts(&b, "The function returned: ");
            pybuf_puts(&b, text);
            free(text);
            text = b.oom ? NULL : pybuf_take(&b);
            if (!text) {
                pybuf_free(&b);
                snprintf(msg, cap, "out of memory");
                goto done;
            }
            role = "user";
        }
        roles[k] = !strcmp(role, "developer") ? "system" : role;
        texts[k] = text;
        if (!strcmp(role, "user")) last_user = text;
        k++;
    }
    if (tmpl == GORILLA_TEMPLATE_OPENFUNCTIONS_V1 || tmpl == GORILLA_TEMPLATE_OPENFUNCTIONS_V2)
        prompt = gorilla_fn_prompt((gorilla_template)tmpl, fjson, last_user ? last_user : "");
    else prompt = net_chat_prompt(roles, (const char *const *)texts, k);
    if (!prompt) snprintf(msg, cap, "out of memory");
done:
    if (texts)
        for (size_t i = 0; i < k; i++) free(texts[i]);
    free(texts);
    free(roles);
    free(fjson);
    return prompt;
}

/* ---- output ------------------------------------------------------ */

json_t *net_tools_calls(const net_tools *t, const char *text, size_t len, unsigned long id)
{
    if (!t || !t->functions || !text) return NULL;
    char *calls_json = NULL;
    gorilla_error e = {0};
    if (gorilla_fn_parse(text, len, &calls_json, &e) != GORILLA_OK) return NULL;
    json_t *calls = json_loads(calls_json, 0, NULL);
    free(calls_json);
    json_t *out = json_array();
    if (!json_is_array(calls) || !out) goto bad;
    size_t i;
    json_t *c;
    json_array_foreach(calls, i, c) {
        const char *name = json_string_value(json_object_get(c, "name"));
        if (!name || !fn_doc_find(t->functions, name)) goto bad; /* not an offered function: plain text */
        char *args = json_dumps(json_object_get(c, "arguments"), JSON_COMPACT | JSON_ENCODE_ANY);
        if (!args) goto bad;
        char cid[64];
        snprintf(cid, sizeof cid, "call_%lu_%zu", id, i);
        json_t *tc = json_pack("{s:s, s:s, s:{s:s, s:s}}", "id", cid, "type", "function", "function", "name", name,
                               "arguments", args);
        free(args);
        if (!tc || json_array_append_new(out, tc)) goto bad;
    }
    json_decref(calls);
    return out;
bad:
    json_decref(calls);
    json_decref(out);
    return NULL;
}

/* ---- gorilla-cli ------------------------------------------------- */

char *net_cli_prompt(const char *user_input, const char *system_info)
{
    pybuf b;
    pybuf_init(&b);
    pybuf_puts(&b, "You are an expert in shell commands. Answer the request with one to three commands that do it on ");
    pybuf_puts(&b, system_info && *system_info ? system_info : "Linux");
    pybuf_puts(&b, ", one command per line, and nothing else: no explanation, no numbering.\n###USER: ");
    pybuf_puts(&b, user_input ? user_input : "");
    pybuf_puts(&b, "\n###ASSISTANT: ");
    if (b.oom) {
        pybuf_free(&b);
        return NULL;
    }
    return pybuf_take(&b);
}

json_t *net_cli_commands(const char *text, size_t len)
{
    json_t *out = json_array();
    if (!out) return NULL;
    size_t i = 0;
    while (i < len && json_array_size(out) < 10) {
        size_t j = i;
        while (j < len && text[j] != '\n') j++;
        const char *s = text + i;
        size_t n = j - i;
        i = j + 1;
        while (n && (*s == ' ' || *s == '\t')) s++, n--;
        while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r')) n--;
        if (n >= 3 && !memcmp(s, "```", 3)) continue; /* a fence line */
        size_t d = 0;
        while (d < n && s[d] >= '0' && s[d] <= '9') d++;
        if (d && d < n && (s[d] == '.' || s[d] == ')')) s += d + 1, n -= d + 1; /* "1. " */
        else if (n >= 2 && (s[0] == '-' || s[0] == '*' || s[0] == '$') && s[1] == ' ') s += 2, n -= 2;
        while (n && *s == ' ') s++, n--;
        if (n >= 2 && s[0] == '`' && s[n - 1] == '`') s++, n -= 2;
        if (!n) continue;
        json_t *cmd = json_stringn(s, n);
        if (!cmd) continue; /* invalid UTF-8: dropped */
        int seen = 0;
        size_t k;
        json_t *v;
        json_array_foreach(out, k, v) seen |= json_equal(v, cmd);
        if (seen) json_decref(cmd);
        else json_array_append_new(out, cmd);
    }
    return out;
}
