/* gorilla/net.h — OpenAI-compatible client and server (part of the public API; include "gorilla.h"). */
#ifndef GORILLA_API_NET_H
#define GORILLA_API_NET_H

#include "gorilla/base.h"
#include "gorilla/llm.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------ */
/* Network: OpenAI-compatible client and server (src/net)              */
/* ------------------------------------------------------------------ */

/* --- Client (src/net/client.c): OpenAI-compatible, over libcurl ---- */

/* One client may be used from many threads at once: at most
 * `max_in_flight` of their requests are on the wire together, the others
 * wait their turn. Requests are retried on connection errors, HTTP 429 and
 * 5xx, with exponential backoff (base * 2^attempt, capped, with jitter:
 * a uniform draw in [delay/2, delay]) or the server's Retry-After (seconds
 * or an HTTP date, capped at backoff_max_ms). A timeout is not retried.
 * The API key is read from the environment once, sent as
 * "Authorization: Bearer ...", and never appears in messages (a server's
 * echo of it is replaced by "***"). Failures: GORILLA_ERR_IO (connection,
 * HTTP status), GORILLA_ERR_LIMIT (timeout), GORILLA_ERR_PARSE (a 2xx
 * answer that is not the expected JSON). */
typedef struct gorilla_client gorilla_client;

typedef struct {
    const char *base_url;    /* e.g. "https://api.openai.com/v1" (required) */
    const char *model;       /* the "model" field sent (required) */
    const char *api_key_env; /* variable holding the key; NULL: OPENAI_API_KEY.
                                When unset or empty, no Authorization header. */
    long connect_timeout_ms; /* default 10000 */
    long timeout_ms;         /* whole request, default 120000 */
    int max_retries;         /* retries after the first attempt, default 4 */
    long backoff_base_ms;    /* default 500 */
    long backoff_max_ms;     /* default 30000 */
    int max_in_flight;       /* default 4 */
} gorilla_client_opts;

/* Counters since the client was made (for logs and tests). */
typedef struct {
    unsigned long requests;  /* calls to chat/complete */
    unsigned long attempts;  /* HTTP attempts, retries included */
    unsigned long retries;
    int max_in_flight_seen;  /* the most requests ever on the wire together */
} gorilla_client_stats;

void gorilla_client_opts_init(gorilla_client_opts *o);
gorilla_status gorilla_client_new(const gorilla_client_opts *opts, gorilla_client **out, gorilla_error *err);
void gorilla_client_free(gorilla_client *c);

/* POST {base}/chat/completions with a system message (omitted when NULL)
 * and a user message; *text (caller frees) is choices[0].message.content.
 * Errors name the URL (without credentials), the HTTP status and the
 * server's error message. `p` may be NULL (defaults). Thread-safe. */
gorilla_status gorilla_client_chat(gorilla_client *c, const char *system, const char *user,
                                   const gorilla_gen_params *p, char **text, gorilla_error *err);
/* POST {base}/completions with a prompt; *text is choices[0].text. */
gorilla_status gorilla_client_complete(gorilla_client *c, const char *prompt, const gorilla_gen_params *p,
                                       char **text, gorilla_error *err);
/* POST {base}/chat/completions with a whole request body (a JSON object;
 * "model" added when absent), e.g. with "tools"; *response_json is the
 * answer's JSON (caller frees). Same retries and errors as above. */
gorilla_status gorilla_client_chat_raw(gorilla_client *c, const char *body_json, char **response_json,
                                       gorilla_error *err);
void gorilla_client_get_stats(gorilla_client *c, gorilla_client_stats *out);
/* POST {base}/chat/completions with `messages_json` (a JSON list of
 * messages), `tools_json` (an OpenAI tools list, e.g. gorilla_fn_tools)
 * and p's parameters. From choices[0].message: *content (caller frees;
 * NULL when null) and *tool_calls_json, [{"name": N, "arguments": A}] with
 * A as the server sent it (OpenAI: a JSON text in a string), or NULL when
 * the message has no tool calls. *prompt_tokens / *completion_tokens (may
 * be NULL) from the usage, 0 when absent. */
gorilla_status gorilla_client_chat_tools(gorilla_client *c, const char *messages_json, const char *tools_json,
                                         const gorilla_gen_params *p, char **content, char **tool_calls_json,
                                         int *prompt_tokens, int *completion_tokens, gorilla_error *err);

/* --- Backends: what `gorilla serve` generates with ------------------ */

/* Receives generated text piece by piece (complete UTF-8 sequences);
 * returns non-zero to stop the generation early. */
typedef int (*gorilla_token_fn)(void *user, const char *piece, size_t len);

typedef struct {
    int prompt_tokens, completion_tokens;
    int truncated; /* 1 when stopped by max_tokens or the context end */
    int drafted, draft_accepted; /* draft tokens proposed, and kept (lookup drafts) */
} gorilla_gen_usage;

/* A text generator behind the server, as a small table of functions.
 * The server calls them from one thread at a time (requests are queued). */
typedef struct {
    void *ctx;
    const char *model_name;
    /* Generates a continuation of `prompt`. Stop strings are applied by the
     * caller (the server; a backend may apply them too), which may also
     * stop it through on_token. */
    gorilla_status (*complete)(void *ctx, const char *prompt, const gorilla_gen_params *p,
                               gorilla_token_fn on_token, void *user, gorilla_gen_usage *usage,
                               gorilla_error *err);
    /* Optional (NULL: POST /v1/gorilla/ask answers 501): a JSON request in,
     * a malloc'd JSON object out. */
    gorilla_status (*ask)(void *ctx, const char *json_request, char **json_response, gorilla_error *err);
    /* Optional: releases ctx (gorilla_backend_free). */
    void (*release)(void *ctx);
    /* What the requests' "constrain" and "draft" fields (the constrain and
     * draft of gorilla_gen_params) can ask of it: GORILLA_BACKEND_CAN_*;
     * 0 (the echo backend): neither. */
    unsigned caps;
} gorilla_backend;
#define GORILLA_BACKEND_CAN_DRAFT 1u     /* prompt-lookup drafts */
#define GORILLA_BACKEND_CAN_CONSTRAIN 2u /* store-constrained calls: it has calls */
#define GORILLA_BACKEND_DRAFT_PAYS 4u    /* drafts pay on its model (gorilla_lookup_wins): on by default */

/* The deterministic echo backend (tests, demos): it streams the prompt's
 * last "###USER: " turn back word by word, up to max_tokens words, and its
 * ask hook answers {"echo": <request>}. Needs no freeing. */
void gorilla_backend_echo(gorilla_backend *out);
/* A backend on a local GGUF model (src/net/backend_llm.c): each request
 * is one gorilla_generate over the model (stop strings applied there too).
 * _load loads the model (with the tokenizer it owns) and owns it. */
gorilla_status gorilla_backend_llm_load(const char *model_path, const gorilla_model_opts *opts,
                                        gorilla_backend *out, gorilla_error *err);
/* The same backend on a model and tokenizer the caller owns and keeps
 * alive (borrowed; model_path names it, may be NULL): gorilla serve lends
 * one model to this backend and to the asker of /v1/gorilla/ask, which is
 * safe because the server runs one generation at a time. */
gorilla_status gorilla_backend_llm_new(gorilla_model *model, const gorilla_tokenizer *tok, const char *model_path,
                                       gorilla_backend *out, gorilla_error *err);
/* Gives an LLM backend the API calls that "constrain": "store" limits the
 * call field to (copied; e.g. every api_call of the store gorilla serve
 * loads with --data/--api); the constraint is built here, so its errors
 * (no calls, none the vocabulary can spell) come now, and then the backend
 * keeps no calls and does not get GORILLA_BACKEND_CAN_CONSTRAIN. The calls
 * also feed the lookup drafts. GORILLA_ERR_INVALID on another backend. */
gorilla_status gorilla_backend_llm_set_calls(gorilla_backend *b, const char *const *calls, size_t n_calls,
                                             gorilla_error *err);
/* Calls release(ctx) when set, and clears the struct. */
void gorilla_backend_free(gorilla_backend *b);

/* --- Server (src/net/server.c): `gorilla serve`, on libmicrohttpd -- */

/* Endpoints: GET /v1/models, POST /v1/chat/completions, POST
 * /v1/completions (both also streaming, "stream": true, as server-sent
 * events ending with "data: [DONE]"), POST /v1/gorilla/ask. One generation
 * runs at a time: requests wait in a queue of at most max_queue; beyond
 * that they get 503. Errors are JSON {"error": {"message", "type"}}:
 * 400 malformed request, 401 bad or missing key, 404, 405, 413 body too
 * large, 503 queue full or stopping. Thread per connection, bounded. */
typedef struct gorilla_server gorilla_server;

typedef struct {
    const char *host;         /* numeric address to bind, default "127.0.0.1" */
    int port;                 /* 0: an ephemeral port (see gorilla_server_port) */
    const char *api_key;      /* NULL or "": no authentication; else the bearer token */
    int max_queue;            /* requests waiting for the backend, default 16 */
    int max_connections;      /* default 64 */
    size_t max_body;          /* bytes, default 1 MiB */
    unsigned timeout_s;       /* idle connection timeout, default 30 */
    int default_max_tokens;   /* when a request gives none, default 128 */
    /* The prompt of chats with `tools` (a gorilla_template): 1 and 2 the
     * OpenFunctions v1/v2 prompts; anything else (default 0) BFCL's default
     * prompting system prompt with the functions, then the Gorilla chat. */
    int tool_template;
    /* Optional access log: called from connection threads (concurrently)
     * when a request ends; status 0 when no response was sent. */
    void (*on_request)(void *user, const char *method, const char *path, unsigned status, double ms);
    void *on_request_user;
} gorilla_server_opts;

void gorilla_server_opts_init(gorilla_server_opts *o);
/* Starts serving in background threads. `backend` is copied; its ctx must
 * outlive the server. */
gorilla_status gorilla_server_start(const gorilla_server_opts *opts, const gorilla_backend *backend,
                                    gorilla_server **out, gorilla_error *err);
/* The bound port. */
int gorilla_server_port(const gorilla_server *s);
/* Stops accepting, fails queued requests with 503, cuts the running
 * generation short at its next piece (its client gets what was generated),
 * closes connections and frees the server. NULL is fine. */
void gorilla_server_stop(gorilla_server *s);

#ifdef __cplusplus
}
#endif
#endif /* GORILLA_API_NET_H */
