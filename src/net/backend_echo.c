/* backend_echo.c — a deterministic backend for tests and demos: it streams
 * the last user turn of the prompt back, one word (with its following
 * spaces) per piece, up to max_tokens pieces. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "gorilla.h"

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static size_t count_words(const char *s, size_t n)
{
    size_t words = 0;
    for (size_t i = 0; i < n; i++)
        if (!is_space(s[i]) && (i == 0 || is_space(s[i - 1]))) words++;
    return words;
}

static gorilla_status echo_complete(void *ctx, const char *prompt, const gorilla_gen_params *p,
                                    gorilla_token_fn on_token, void *user, gorilla_gen_usage *usage,
                                    gorilla_error *err)
{
    (void)ctx;
    (void)err;
    const char *from = prompt, *u;
    for (const char *q = prompt; (u = strstr(q, "###USER: ")) != NULL; q = u + 1) from = u + 9;
    const char *end = strstr(from, "\n###ASSISTANT");
    size_t n = end ? (size_t)(end - from) : strlen(from);
    usage->prompt_tokens = (int)count_words(prompt, strlen(prompt));
    usage->completion_tokens = 0;
    usage->truncated = 0;
    int max = p && p->max_tokens > 0 ? p->max_tokens : 128;
    size_t i = 0;
    while (i < n && is_space(from[i])) i++;
    while (i < n) {
        if (usage->completion_tokens >= max) {
            usage->truncated = 1;
            break;
        }
        size_t j = i;
        while (j < n && !is_space(from[j])) j++;
        while (j < n && is_space(from[j])) j++;
        usage->completion_tokens++;
        if (on_token(user, from + i, j - i)) break;
        i = j;
    }
    return GORILLA_OK;
}

static gorilla_status echo_ask(void *ctx, const char *json_request, char **json_response, gorilla_error *err)
{
    (void)ctx;
    json_error_t je;
    json_t *req = json_loads(json_request, 0, &je);
    if (!req) return gorilla_fail(err, GORILLA_ERR_PARSE, "ask: malformed JSON: %s", je.text);
    json_t *out = json_pack("{s:o}", "echo", req);
    *json_response = out ? json_dumps(out, JSON_COMPACT) : NULL;
    json_decref(out);
    return *json_response ? GORILLA_OK : gorilla_fail(err, GORILLA_ERR_NOMEM, "ask: out of memory");
}

void gorilla_backend_echo(gorilla_backend *out)
{
    memset(out, 0, sizeof *out);
    out->model_name = "gorilla-echo";
    out->complete = echo_complete;
    out->ask = echo_ask;
}

void gorilla_backend_free(gorilla_backend *b)
{
    if (!b) return;
    if (b->release) b->release(b->ctx);
    memset(b, 0, sizeof *b);
}
