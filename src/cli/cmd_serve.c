/* cmd_serve.c — `gorilla serve`: an OpenAI-compatible HTTP server in front
 * of a local GGUF model (or the built-in echo backend with --echo). */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

static const char USAGE[] =
    "usage: gorilla serve (--model MODEL.gguf | --echo) [--host 127.0.0.1] [--port 8080]\n"
    "                     [--api-key-env NAME] [--max-queue N] [--threads N] [--ctx N]\n"
    "                     [--max-connections N] [--timeout S] [--data ROOT | --api FILE] [--log]\n"
    "                     [--tool-template default|openfunctions-v1|openfunctions-v2]\n"
    "\n"
    "Serves an OpenAI-compatible HTTP API until SIGINT or SIGTERM:\n"
    "  GET  /v1/models             the model being served\n"
    "  POST /v1/chat/completions   chat (Gorilla template \"###USER: ...\\n###ASSISTANT: \")\n"
    "  POST /v1/completions        raw prompt completion\n"
    "  POST /v1/gorilla/ask        {\"task\": T, \"hub\": H, \"k\": K} -> `gorilla ask --json`'s answer\n"
    "                              (with --data or --api; --echo alone echoes the request)\n"
    "  GET  /health                {\"status\": \"ok\"}, no key needed\n"
    "  POST /commands, /command-execution-result   gorilla-cli's requests (--server URL)\n"
    "Chat requests with \"tools\" get \"tool_calls\" when the model's output is a call.\n"
    "Both completion endpoints stream server-sent events with \"stream\": true, and take\n"
    "\"constrain\": \"off\"|\"store\"|\"retrieved\" (default off; store and retrieved with --model\n"
    "and --data/--api: the call field limited to the store's calls) and \"draft\": \"lookup\"|\"off\"\n"
    "(default lookup: prompt-lookup drafts, same output); GET /v1/models lists them.\n"
    "One generation runs at a time; up to --max-queue requests wait, beyond that 503.\n"
    "\n"
    "  --model FILE        the GGUF model to serve\n"
    "  --echo              serve the built-in deterministic echo backend instead of a\n"
    "                      model (it streams the last user message back word by word;\n"
    "                      for tests and demos)\n"
    "  --host ADDR         numeric address to bind (default 127.0.0.1: loopback only)\n"
    "  --port N            port (default 8080; 0 picks a free one, printed at start)\n"
    "  --api-key-env NAME  require \"Authorization: Bearer $NAME\" (401 otherwise)\n"
    "  --max-queue N       requests waiting for the model (default 16)\n"
    "  --max-connections N open connections, one thread each (default 64)\n"
    "  --timeout S         drop connections idle for S seconds (default 30)\n"
    "  --log               one line per request on stderr: method, path, status, time\n"
    "  --threads N         model threads (default: online CPUs)\n"
    "  --ctx N             model context length (default: the model's)\n"
    "  --data ROOT         API files for /v1/gorilla/ask: ROOT/api/<hub>_api.jsonl or ROOT/<hub>_api.jsonl\n"
    "  --tool-template T   the prompt of chats with tools: openfunctions-v1/-v2, or default\n"
    "                      (BFCL's prompting system prompt); default: from the model's metadata\n"
    "  --api FILE          one API file for /v1/gorilla/ask (hub from the name)\n"
    "                      (ask retrieves from them and, with --model, generates with the\n"
    "                      served model itself: it is loaded once)\n"
    "Limits: request bodies over 1 MiB get 413; headers over 64 KiB are refused.\n";

/* The served backend: generation from `inner`, /v1/gorilla/ask from the
 * asker when there is one (else inner's own ask hook). */
typedef struct {
    gorilla_backend inner;
    gorilla_asker *asker;
} serve_backend;

static gorilla_status serve_complete(void *ctx, const char *prompt, const gorilla_gen_params *p,
                                     gorilla_token_fn on_token, void *user, gorilla_gen_usage *usage,
                                     gorilla_error *err)
{
    serve_backend *b = ctx;
    return b->inner.complete(b->inner.ctx, prompt, p, on_token, user, usage, err);
}

static gorilla_status serve_ask(void *ctx, const char *req, char **resp, gorilla_error *err)
{
    serve_backend *b = ctx;
    if (b->asker) return gorilla_ask_json(b->asker, req, resp, err);
    return b->inner.ask(b->inner.ctx, req, resp, err);
}

/* "constrain": "store"|"retrieved" on the completion endpoints: every
 * loaded hub's api_call, given to the model backend. A store the
 * constraint cannot use (no calls, none the vocabulary spells) is a
 * warning: the server runs, and requests asking for it get 400. Returns
 * non-zero only when out of memory. */
static int set_store_calls(serve_backend *sb)
{
    size_t n = 0, k = 0;
    for (int h = 0; h < GORILLA_HUB_COUNT; h++) {
        const gorilla_store *st = gorilla_asker_store(sb->asker, (gorilla_hub)h);
        if (st) n += gorilla_store_count(st);
    }
    const char **calls = malloc((n + 1) * sizeof *calls);
    if (!calls) {
        fprintf(stderr, "gorilla serve: out of memory\n");
        return 1;
    }
    for (int h = 0; h < GORILLA_HUB_COUNT; h++) {
        const gorilla_store *st = gorilla_asker_store(sb->asker, (gorilla_hub)h);
        for (size_t i = 0; st && i < gorilla_store_count(st); i++) {
            const char *c = gorilla_store_field(st, i, "api_call");
            if (c && *c) calls[k++] = c;
        }
    }
    gorilla_error err = {0};
    gorilla_status rc = gorilla_backend_llm_set_calls(&sb->inner, calls, k, &err);
    free(calls);
    if (rc == GORILLA_ERR_NOMEM) return cli_fail("serve", &err);
    if (rc) fprintf(stderr, "gorilla serve: warning: \"constrain\" is unavailable: %s\n", err.message);
    return 0;
}

/* --log: one access-log line per request (path made printable). */
static void log_request(void *user, const char *method, const char *path, unsigned status, double ms)
{
    (void)user;
    char p[128];
    size_t k = 0;
    for (; path[k] && k + 1 < sizeof p; k++) p[k] = (path[k] > 0x20 && path[k] < 0x7f) ? path[k] : '?';
    p[k] = '\0';
    char m[16];
    size_t j = 0;
    for (; method[j] && j + 1 < sizeof m; j++) m[j] = (method[j] > 0x20 && method[j] < 0x7f) ? method[j] : '?';
    m[j] = '\0';
    fprintf(stderr, "gorilla serve: %s %s %u %.1f ms\n", m, p, status, ms);
}

/* The served model and the tokenizer it owns. */
static gorilla_status load_model(const char *path, long threads, long ctx, gorilla_model **m,
                                 const gorilla_tokenizer **tok, gorilla_error *err)
{
    gorilla_model_opts mo = {(int)threads, (int)ctx};
    gorilla_status st = gorilla_model_load(path, &mo, m, err);
    if (st) return st;
    *tok = gorilla_model_tokenizer(*m);
    if (*tok) return GORILLA_OK;
    const char *why = gorilla_model_tokenizer_error(*m);
    err->status = st = GORILLA_ERR_INVALID;
    snprintf(err->message, sizeof err->message, "%s: no tokenizer: %s", path, why ? why : "no vocabulary");
    gorilla_model_free(*m);
    *m = NULL;
    return st;
}

int cmd_serve(int argc, char **argv)
{
    const char *model = NULL, *key_env = NULL, *data = NULL, *api = NULL, *tool_tmpl = NULL;
    int echo = 0;
    long port = 8080, max_queue = 16, threads = 0, ctx = 0, max_conn = 64, timeout = 30;
    gorilla_server_opts o;
    gorilla_server_opts_init(&o);
    int log = 0;
    const cli_flag flags[] = {
        CLI_F_BOOL("--echo", NULL, &echo),
        CLI_F_BOOL("--log", NULL, &log),
        CLI_F_STR("--model", "-m", &model),
        CLI_F_STR("--host", NULL, &o.host),
        CLI_F_STR("--api-key-env", NULL, &key_env),
        CLI_F_STR("--data", NULL, &data),
        CLI_F_STR("--api", NULL, &api),
        CLI_F_STR("--tool-template", NULL, &tool_tmpl),
        CLI_F_LONG("--port", NULL, &port, 0, 65535, "needs an integer in [0, 65535]"),
        CLI_F_LONG("--max-queue", NULL, &max_queue, 1, 100000, "needs an integer in [1, 100000]"),
        CLI_F_LONG("--max-connections", NULL, &max_conn, 1, 10000, "needs an integer in [1, 10000]"),
        CLI_F_LONG("--timeout", NULL, &timeout, 1, 86400, "needs an integer in [1, 86400]"),
        CLI_F_LONG("--threads", "-t", &threads, 1, 256, "needs an integer in [1, 256]"),
        CLI_F_LONG("--ctx", NULL, &ctx, 1, 1 << 20, "needs an integer in [1, 1048576]"),
    };
    int prc = cli_flags_parse("serve", USAGE, argc, argv, flags, CLI_NFLAGS(flags), NULL);
    if (prc >= 0) return prc;
    if (log) o.on_request = log_request;
    if (model && echo) return cli_usage_error("serve", "give either --model or --echo, not both");
    if (data && api) return cli_usage_error("serve", "give --data or --api, not both");
    if (!model && !echo)
        return cli_usage_error("serve", "no model: give --model MODEL.gguf (or --echo for the test echo backend)");
    if (key_env) {
        const char *k = getenv(key_env);
        if (!k || !*k) return cli_usage_error("serve", "--api-key-env %s: the variable is unset or empty", key_env);
        o.api_key = k;
    }
    if (tool_tmpl) {
        gorilla_template t = GORILLA_TEMPLATE_GORILLA_V0;
        if (strcmp(tool_tmpl, "default") != 0 && gorilla_template_parse(tool_tmpl, &t) != 0)
            return cli_usage_error("serve", "--tool-template '%s': use default, openfunctions-v1 or openfunctions-v2",
                                   tool_tmpl);
        o.tool_template = (int)t;
    } else if (model) {
        gorilla_template t;
        gorilla_error terr = {0};
        if (gorilla_template_for_file(model, &t, NULL, &terr) == GORILLA_OK) o.tool_template = (int)t;
    }
    o.port = (int)port;
    o.max_queue = (int)max_queue;
    o.max_connections = (int)max_conn;
    o.timeout_s = (unsigned)timeout;

    gorilla_error err = {0};
    serve_backend sb = {0};
    /* The model is loaded once: the generation backend and the asker of
     * /v1/gorilla/ask borrow it. Sharing is safe because the server runs
     * one generation at a time (its worker thread takes queued jobs, ask
     * requests included, one by one), so the two never use the model at
     * the same time. */
    gorilla_model *m = NULL;
    const gorilla_tokenizer *tok = NULL;
    if (model && load_model(model, threads, ctx, &m, &tok, &err)) return cli_fail("serve", &err);
    if (data || api) {
        cli_api_files files;
        int rc = cli_api_paths("serve", data, api, -1, &files);
        if (rc) {
            gorilla_model_free(m);
            return rc;
        }
        gorilla_ask_opts ao;
        gorilla_ask_opts_init(&ao);
        for (int h = 0; h < GORILLA_HUB_COUNT; h++) ao.api_paths[h] = files.paths[h];
        ao.model_path = model;
        ao.model = m;
        ao.tokenizer = tok;
        if (gorilla_asker_new(&ao, &sb.asker, &err)) {
            gorilla_model_free(m);
            return cli_fail("serve", &err);
        }
    }
    if (echo) {
        gorilla_backend_echo(&sb.inner);
    } else if (gorilla_backend_llm_new(m, tok, model, &sb.inner, &err)) {
        gorilla_asker_free(sb.asker);
        gorilla_model_free(m);
        return cli_fail("serve", &err);
    }
    if (m && sb.asker && set_store_calls(&sb) != 0) {
        gorilla_backend_free(&sb.inner);
        gorilla_asker_free(sb.asker);
        gorilla_model_free(m);
        return 1;
    }
    gorilla_backend be = {&sb, sb.inner.model_name, serve_complete, (sb.asker || sb.inner.ask) ? serve_ask : NULL, NULL,
                          sb.inner.caps /* what "constrain" and "draft" can ask */};

    /* SIGINT/SIGTERM are blocked in every thread (the server's inherit the
     * mask) and taken here with sigwait. */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);

    gorilla_server *srv;
    if (gorilla_server_start(&o, &be, &srv, &err)) {
        gorilla_backend_free(&sb.inner);
        gorilla_asker_free(sb.asker);
        gorilla_model_free(m);
        return cli_fail("serve", &err);
    }
    int is6 = strchr(o.host, ':') != NULL;
    printf("gorilla serve: listening on http://%s%s%s:%d/v1 (model %s%s)\n", is6 ? "[" : "", o.host, is6 ? "]" : "",
           gorilla_server_port(srv), be.model_name ? be.model_name : "?", o.api_key ? ", API key required" : "");
    fflush(stdout);
    int sig = 0;
    sigwait(&set, &sig);
    fprintf(stderr, "gorilla serve: %s received, stopping\n", sig == SIGINT ? "SIGINT" : "SIGTERM");
    gorilla_server_stop(srv);
    gorilla_backend_free(&sb.inner);
    gorilla_asker_free(sb.asker);
    gorilla_model_free(m);
    return 0;
}
