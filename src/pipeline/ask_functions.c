/* ask_functions.c — `gorilla ask --functions FILE`: the task and a list of
 * function documents to the asker's model or endpoint, the answer parsed
 * into calls and checked against the documents.
 *
 *   local model   its template's function-calling prompt (gorilla_fn_prompt)
 *   endpoint      the functions as `tools` (gorilla_fn_tools, as BFCL's FC
 *                 handlers send them), or BFCL's default system prompt
 *   answer        tool calls, or text -> gorilla_fn_parse -> gorilla_fn_check */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "pipeline/ask.h"

void gorilla_fn_answer_clear(gorilla_fn_answer *r)
{
    if (!r) return;
    free(r->prompt);
    free(r->text);
    free(r->calls_json);
    free(r->warnings_json);
    memset(r, 0, sizeof *r);
}

const char *gorilla_fn_answer_verdict(const gorilla_fn_answer *r)
{
    if (!r->n_calls) return "no_call";
    return r->n_warnings ? "warning" : "ok";
}

/* Tool calls [{"name", "arguments": A}] (A a JSON text, or an object) as
 * calls with object arguments; arguments that are not a JSON object become
 * {} with a "bad_arguments" warning in `pre`. NULL on OOM. */
static char *tool_calls_to_calls(const char *tool_calls_json, json_t *pre)
{
    json_t *tcs = json_loads(tool_calls_json, 0, NULL), *out = json_array();
    int bad = !json_is_array(tcs) || !out;
    size_t i;
    json_t *tc;
    json_array_foreach(tcs, i, tc) {
        if (bad) break;
        const char *name = json_string_value(json_object_get(tc, "name"));
        json_t *a = json_object_get(tc, "arguments");
        json_t *args = json_is_object(a) ? json_incref(a)
                       : json_is_string(a) ? json_loadb(json_string_value(a), json_string_length(a), 0, NULL)
                                           : NULL;
        if (!json_is_object(args)) {
            json_decref(args);
            args = json_object();
            char msg[300];
            snprintf(msg, sizeof msg, "call %zu: the arguments of %.200s are not a JSON object", i + 1,
                     name ? name : "?");
            bad |= json_array_append_new(pre, json_pack("{s:s, s:I, s:s, s:s}", "kind", "bad_arguments", "call",
                                                         (json_int_t)i + 1, "name", name ? name : "", "message",
                                                         msg)) != 0;
        }
        bad |= json_array_append_new(out, json_pack("{s:s, s:o}", "name", name ? name : "", "arguments", args)) != 0;
    }
    char *s = bad ? NULL : json_dumps(out, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(out);
    json_decref(tcs);
    return s;
}

static gorilla_status oom(gorilla_error *err)
{
    return gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory");
}

gorilla_status gorilla_ask_functions(gorilla_asker *a, const char *functions_json, const char *task,
                                     gorilla_fn_mode mode, gorilla_fn_answer *out, gorilla_error *err)
{
    memset(out, 0, sizeof *out);
    if (!task || !*task) return gorilla_fail(err, GORILLA_ERR_INVALID, "ask: the task is empty");
    if (!functions_json) return gorilla_fail(err, GORILLA_ERR_INVALID, "ask: no function documents");
    if (!gorilla_asker_has_model(a))
        return gorilla_fail(err, GORILLA_ERR_INVALID, "ask --functions: needs a local model or an endpoint");
    gorilla_client *client = ask_client(a);
    const char *source = NULL;
    gorilla_template t = gorilla_asker_template(a, &source);
    int of = t == GORILLA_TEMPLATE_OPENFUNCTIONS_V1 || t == GORILLA_TEMPLATE_OPENFUNCTIONS_V2;
    if (mode == GORILLA_FN_MODE_TOOLS && !client)
        return gorilla_fail(err, GORILLA_ERR_INVALID,
                            "ask --functions: tools are sent to an endpoint; a local model gets a prompt "
                            "(--fn-mode auto or prompt)");
    json_t *pre = json_array();
    if (!pre) return oom(err);
    char *parsed = NULL;
    gorilla_status st = GORILLA_OK;
    if (client && (mode == GORILLA_FN_MODE_TOOLS ||
                   (mode == GORILLA_FN_MODE_AUTO && !(of && source && !strcmp(source, "--template"))))) {
        out->mode = "tools";
        json_t *msgs = json_pack("[{s:s, s:s}]", "role", "user", "content", task);
        char *ms = msgs ? json_dumps(msgs, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
        char *tools = gorilla_fn_tools(functions_json);
        json_t *tj = tools ? json_loads(tools, 0, NULL) : NULL;
        json_t *shown = msgs && tj ? json_pack("{s:O, s:O}", "messages", msgs, "tools", tj) : NULL;
        out->prompt = shown ? json_dumps(shown, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
        json_decref(shown);
        json_decref(tj);
        json_decref(msgs);
        char *content = NULL, *tcs = NULL;
        if (!msgs) st = gorilla_fail(err, GORILLA_ERR_INVALID, "ask: the task must be valid UTF-8");
        else if (!ms || !tools || !out->prompt) st = oom(err);
        else st = gorilla_client_chat_tools(client, ms, tools, ask_gen(a), &content, &tcs, NULL, NULL, err);
        free(ms);
        free(tools);
        if (!st) {
            out->text = content ? content : strdup("");
            content = NULL;
            if (tcs && !(parsed = tool_calls_to_calls(tcs, pre))) st = oom(err);
        }
        free(content);
        free(tcs);
    } else if (client && mode == GORILLA_FN_MODE_PROMPT) {
        out->mode = "prompt";
        char *sys = gorilla_fn_system_prompt(functions_json);
        json_t *msgs = sys ? json_pack("[{s:s, s:s}, {s:s, s:s}]", "role", "system", "content", sys, "role", "user",
                                       "content", task)
                           : NULL;
        out->prompt = msgs ? json_dumps(msgs, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
        json_decref(msgs);
        if (!sys || (msgs && !out->prompt)) st = oom(err);
        else if (!msgs) st = gorilla_fail(err, GORILLA_ERR_INVALID, "ask: the task must be valid UTF-8");
        else st = gorilla_client_chat(client, sys, task, ask_gen(a), &out->text, err);
        free(sys);
    } else {
        /* a local model (or an endpoint given an OpenFunctions --template): one prompt */
        gorilla_template use = mode == GORILLA_FN_MODE_PROMPT ? GORILLA_TEMPLATE_GORILLA_V0 : t;
        out->mode = use == GORILLA_TEMPLATE_GORILLA_V0 ? "prompt" : gorilla_template_name(use);
        out->prompt = gorilla_fn_prompt(use, functions_json, task);
        if (!out->prompt) st = oom(err);
        else {
            int constrain = GORILLA_ASK_CONSTRAIN_OFF, draft = 0; /* the store's calls are not these */
            ask_swap_decoding(a, &constrain, &draft);
            st = gorilla_asker_generate(a, out->prompt, &out->text, err);
            ask_swap_decoding(a, &constrain, &draft);
        }
    }
    if (!st && !out->text && !(out->text = strdup(""))) st = oom(err);
    if (!st && !parsed) {
        gorilla_error pe = {0};
        if (gorilla_fn_parse(out->text, strlen(out->text), &parsed, &pe) != GORILLA_OK) {
            /* unparseable output is no calls (the warnings say why), not an error */
            if (pe.status == GORILLA_ERR_NOMEM || !(parsed = strdup("[]"))) st = oom(err);
        }
    }
    char *warnings = NULL;
    if (!st) st = gorilla_fn_check(functions_json, parsed, &out->calls_json, &warnings, err);
    free(parsed);
    if (!st) {
        json_t *w = json_loads(warnings, 0, NULL), *c = json_loads(out->calls_json, 0, NULL);
        if (!w || json_array_extend(pre, w)) st = oom(err);
        out->n_calls = json_array_size(c);
        out->n_warnings = json_array_size(pre);
        json_decref(w);
        json_decref(c);
    }
    free(warnings);
    if (!st && !(out->warnings_json = json_dumps(pre, JSON_COMPACT | JSON_PRESERVE_ORDER))) st = oom(err);
    json_decref(pre);
    if (st) {
        const char *m = out->mode;
        gorilla_fn_answer_clear(out);
        out->mode = m;
    }
    return st;
}

char *gorilla_fn_answer_json(const gorilla_asker *a, const char *task, const gorilla_fn_answer *r)
{
    json_t *o = json_object();
    json_t *calls = r->calls_json ? json_loads(r->calls_json, 0, NULL) : json_array();
    json_t *warnings = r->warnings_json ? json_loads(r->warnings_json, 0, NULL) : json_array();
    if (!o || !calls || !warnings) {
        json_decref(o);
        json_decref(calls);
        json_decref(warnings);
        return NULL;
    }
    int bad = 0;
    bad |= json_object_set_new(o, "task", ask_json_string(task));
    bad |= json_object_set_new(o, "model", ask_json_string(gorilla_asker_model_id(a)));
    bad |= json_object_set_new(o, "mode", ask_json_string(r->mode));
    bad |= json_object_set_new(o, "prompt", ask_json_string(r->prompt));
    bad |= json_object_set_new(o, "text", ask_json_string(r->text));
    bad |= json_object_set_new(o, "calls", calls);
    bad |= json_object_set_new(o, "warnings", warnings);
    bad |= json_object_set_new(o, "verdict", json_string(gorilla_fn_answer_verdict(r)));
    char *s = bad ? NULL : json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII | JSON_PRESERVE_ORDER);
    json_decref(o);
    return s;
}
