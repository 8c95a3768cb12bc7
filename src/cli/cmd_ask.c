/* cmd_ask.c — `gorilla ask`: the right API call for a task, checked
 * against the API store. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"

static const char USAGE[] =
    "usage: gorilla ask \"TASK\" [--hub HUB] [--retriever NAME|none] [-k K]\n"
    "                   [--model MODEL.gguf | --endpoint URL [--model-name NAME]]\n"
    "                   [--data ROOT | --api FILE] [--prompt gorilla|eval] [--json]\n"
    "\n"
    "Retrieves the API documents that fit the task; with a model, asks it for the\n"
    "API call (Gorilla prompt with the best document), parses the answer and checks\n"
    "the call against the store with the evaluator's matcher: a known API (which\n"
    "document) or not in the store (a hallucination warning). Without a model, the\n"
    "answer is the best documents with their calls and example code.\n"
    "\n"
    "  --hub HUB            torchhub|huggingface|tensorflowhub (default: all three)\n"
    "  --retriever NAME     gorilla (default), bm25-official, or none\n"
    "  -k K                 documents to show (default 3)\n"
    "  --model FILE         a local GGUF model (Gorilla LLaMA chat template)\n"
    "  --endpoint URL       an OpenAI-compatible server, e.g. http://127.0.0.1:8080/v1\n"
    "  --model-name NAME    the model name sent to the endpoint (default gorilla)\n"
    "  --api-key-env VAR    environment variable holding the endpoint's key (default OPENAI_API_KEY)\n"
    "  --retries N          endpoint retries on connection errors, 429 and 5xx (default 4)\n"
    "  --prompt STYLE       gorilla (default) or eval (the prompt for general chat models)\n"
    "  --template NAME      the local model's prompt: gorilla-v0, openfunctions-v1, openfunctions-v2\n"
    "                       (default: from the GGUF metadata, see gorilla info)\n"
    "  --data ROOT          API files: ROOT/api/<hub>_api.jsonl or ROOT/<hub>_api.jsonl\n"
    "                       (default: $GORILLA_DATA, else the starter store data/starter)\n"
    "  --api FILE           one API file (its hub from --hub or the file name)\n"
    "  -n N                 tokens to generate at most (default 256)\n"
    "  --temp T             temperature (default 0: greedy)\n"
    "  --ctx N, -t THREADS  context length and threads of the local model\n"
    "  --json               print one JSON object\n"
    "\n"
    "example: gorilla ask \"find a model that separates vocals from music\"\n";

static int file_exists(const char *p) { return access(p, R_OK) == 0; }

/* The starter store: ./data/starter, else next to the executable
 * (BIN/../../data/starter for build/<dir>/gorilla). */
static int find_starter(char *out, size_t cap)
{
    if (file_exists("data/starter/torchhub_api.jsonl")) {
        snprintf(out, cap, "data/starter");
        return 0;
    }
    char exe[4096];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0) return -1;
    exe[n] = '\0';
    char *slash = strrchr(exe, '/');
    if (!slash) return -1;
    *slash = '\0';
    char probe[8192];
    static const char *const UP[] = {"/../../data/starter", "/../data/starter", "/data/starter",
                                     "/../share/gorilla/starter"};
    for (size_t i = 0; i < sizeof UP / sizeof UP[0]; i++) {
        snprintf(probe, sizeof probe, "%s%s/torchhub_api.jsonl", exe, UP[i]);
        if (file_exists(probe)) {
            snprintf(out, cap, "%s%s", exe, UP[i]);
            return 0;
        }
    }
    return -1;
}

int cli_api_paths(const char *cmd, const char *data, const char *api, int hub, cli_api_files *f)
{
    memset(f, 0, sizeof *f);
    if (api) {
        gorilla_hub h;
        if (hub < 0) {
            const char *base = strrchr(api, '/');
            base = base ? base + 1 : api;
            if (gorilla_store_path_is_apizoo(api)) hub = GORILLA_HUB_APIZOO;
            else if (strstr(base, "torchhub")) hub = GORILLA_HUB_TORCHHUB;
            else if (strstr(base, "huggingface")) hub = GORILLA_HUB_HUGGINGFACE;
            else if (strstr(base, "tensorflow")) hub = GORILLA_HUB_TENSORFLOWHUB;
            else {
                cli_usage_error(cmd, "cannot tell the hub of %s: give --hub", api);
                return 2;
            }
        }
        h = (gorilla_hub)hub;
        snprintf(f->buf[h], sizeof f->buf[h], "%s", api);
        f->paths[h] = f->buf[h];
        return 0;
    }
    char root[4096];
    const char *env = getenv("GORILLA_DATA");
    if (data) snprintf(root, sizeof root, "%s", data);
    else if (env && *env) snprintf(root, sizeof root, "%s", env);
    else if (find_starter(root, sizeof root) != 0) {
        fprintf(stderr, "gorilla %s: no API store: the starter store data/starter was not found; give --data or --api\n",
                cmd);
        return 1;
    }
    int any = 0;
    for (int h = 0; h < GORILLA_HUB_COUNT; h++) {
        if (hub >= 0 && h != hub) continue;
        const char *name = gorilla_hub_name((gorilla_hub)h);
        int w = h == GORILLA_HUB_APIZOO ? snprintf(f->buf[h], sizeof f->buf[h], "%s/apizoo", root) /* a folder */
                                        : snprintf(f->buf[h], sizeof f->buf[h], "%s/api/%s_api.jsonl", root, name);
        if (w > 0 && (size_t)w < sizeof f->buf[h] && !file_exists(f->buf[h]))
            w = snprintf(f->buf[h], sizeof f->buf[h], "%s/%s_api.jsonl", root, name);
        if (w < 0 || (size_t)w >= sizeof f->buf[h]) {
            fprintf(stderr, "gorilla %s: %s: path too long\n", cmd, root);
            return 1;
        }
        if (file_exists(f->buf[h])) {
            f->paths[h] = f->buf[h];
            any = 1;
        } else if (hub >= 0) {
            fprintf(stderr, "gorilla %s: %s: no %s API file (looked for %s/api/%s_api.jsonl and %s)\n", cmd, root,
                    name, root, name, f->buf[h]);
            return 1;
        }
    }
    if (!any) {
        fprintf(stderr, "gorilla %s: %s: no API files (<hub>_api.jsonl or api/<hub>_api.jsonl)\n", cmd, root);
        return 1;
    }
    snprintf(f->root, sizeof f->root, "%s", root);
    return 0;
}

int cli_parse_gen_flag(const char *cmd, const char *a, const char *v, cli_gen_flags *g, int *used)
{
    *used = 1;
    if (!strcmp(a, "--model") || !strcmp(a, "-m")) g->model = v;
    else if (!strcmp(a, "--endpoint")) g->endpoint = v;
    else if (!strcmp(a, "--model-name")) g->model_name = v;
    else if (!strcmp(a, "--api-key-env")) g->api_key_env = v;
    else if (!strcmp(a, "--template")) {
        gorilla_template t;
        if (gorilla_template_parse(v, &t) != 0)
            return cli_usage_error(cmd, "--template is gorilla-v0, openfunctions-v1 or openfunctions-v2, not '%s'", v);
        g->template_name = v;
    } else if (!strcmp(a, "--prompt")) {
        if (!strcmp(v, "gorilla")) g->prompt = GORILLA_PROMPT_GORILLA;
        else if (!strcmp(v, "eval")) g->prompt = GORILLA_PROMPT_EVAL;
        else return cli_usage_error(cmd, "--prompt is gorilla or eval, not '%s'", v);
    } else if (!strcmp(a, "-n") || !strcmp(a, "--max-tokens")) {
        if (cli_parse_long(v, 1, 1 << 20, &g->max_tokens)) return cli_usage_error(cmd, "%s needs an integer >= 1", a);
    } else if (!strcmp(a, "--temp")) {
        if (cli_parse_double(v, &g->temp) || g->temp < 0) return cli_usage_error(cmd, "--temp needs a number >= 0");
    } else if (!strcmp(a, "--ctx")) {
        if (cli_parse_long(v, 1, 1 << 20, &g->ctx)) return cli_usage_error(cmd, "--ctx needs an integer >= 1");
    } else if (!strcmp(a, "--retries")) {
        if (cli_parse_long(v, 0, 100, &g->retries)) return cli_usage_error(cmd, "--retries needs an integer in [0, 100]");
        g->retries_set = 1;
    } else if (!strcmp(a, "-t") || !strcmp(a, "--threads")) {
        if (cli_parse_long(v, 1, 256, &g->threads)) return cli_usage_error(cmd, "-t needs an integer in [1, 256]");
    } else *used = 0;
    return 0;
}

void cli_gen_flags_apply(const cli_gen_flags *g, gorilla_ask_opts *o)
{
    o->model_path = g->model;
    o->endpoint = g->endpoint;
    o->model_name = g->model_name;
    o->api_key_env = g->api_key_env;
    o->prompt = g->prompt;
    o->template_name = g->template_name;
    if (g->max_tokens) o->gen.max_tokens = (int)g->max_tokens;
    o->gen.temperature = (float)g->temp;
    o->n_ctx = (int)g->ctx;
    o->n_threads = (int)g->threads;
    if (g->retries_set) o->max_retries = (int)g->retries;
}

void cli_report_store(const char *cmd, const char *path, const gorilla_store *store)
{
    if (!gorilla_store_is_apizoo(store)) return;
    size_t files, bad_files, bad_entries;
    gorilla_store_load_counts(store, &files, &bad_files, &bad_entries);
    for (size_t i = 0; i < gorilla_store_skipped_count(store); i++)
        fprintf(stderr, "gorilla %s: warning: %s\n", cmd, gorilla_store_skipped(store, i));
    fprintf(stderr, "gorilla %s: %s: %zu APIZoo documents from %zu file(s); skipped %zu file(s), %zu entr%s\n", cmd,
            path, gorilla_store_count(store), files, bad_files, bad_entries, bad_entries == 1 ? "y" : "ies");
}

int cli_asker_open(const char *cmd, const char *data, const char *api, const char *hub_s, const char *retriever,
                   long k, const cli_gen_flags *g, int *hub, gorilla_asker **asker)
{
    if (data && api) return cli_usage_error(cmd, "give --data or --api, not both");
    if (g->model && g->endpoint) return cli_usage_error(cmd, "give --model or --endpoint, not both");
    *hub = -1;
    if (hub_s) {
        gorilla_hub h;
        if (gorilla_hub_parse(hub_s, &h) != 0) return cli_usage_error(cmd, "unknown hub '%s'", hub_s);
        *hub = (int)h;
    }
    cli_api_files files;
    int rc = cli_api_paths(cmd, data, api, *hub, &files);
    if (rc) return rc;
    gorilla_ask_opts o;
    gorilla_ask_opts_init(&o);
    for (int h = 0; h < GORILLA_HUB_COUNT; h++) o.api_paths[h] = files.paths[h];
    o.retriever = retriever;
    o.k = (size_t)k;
    cli_gen_flags_apply(g, &o);
    gorilla_error err = {0};
    if (gorilla_asker_new(&o, asker, &err)) return cli_fail(cmd, &err);
    cli_report_store(cmd, o.api_paths[GORILLA_HUB_APIZOO], gorilla_asker_store(*asker, GORILLA_HUB_APIZOO));
    return 0;
}


static void print_indented(const char *text, const char *indent)
{
    const char *p = text;
    while (*p) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        printf("%s%.*s\n", indent, (int)n, p);
        p += n + (nl ? 1 : 0);
    }
}

void cli_print_ask(const gorilla_ask_result *r, const char *model_id)
{
    if (r->n_hits) {
        printf("%s:\n", r->generated ? "retrieved API documents" : "best API documents (retrieval only, no model)");
        for (size_t i = 0; i < r->n_hits; i++) {
            const gorilla_ask_hit *x = &r->hits[i];
            printf("\n%zu. %s  [%s #%zu, %s]  score %.3f\n", i + 1, x->api_name ? x->api_name : "?",
                   gorilla_hub_name(x->hub), x->api_index, x->domain ? x->domain : "?", x->score);
            printf("   call: %s\n", x->api_call ? x->api_call : "?");
            if (x->description) print_indented(x->description, "   ");
            if (x->example_code && !r->generated) {
                printf("   example:\n");
                print_indented(x->example_code, "     ");
            }
        }
    } else if (!r->generated) {
        printf("no API document found for this task\n");
    }
    if (!r->generated) return;
    printf("\nanswer (%s):\n", model_id ? model_id : "model");
    const gorilla_answer *a = &r->answer;
    if (a->style == GORILLA_ANSWER_PLAIN) print_indented(r->text, "  ");
    if (a->domain) printf("  domain:       %s\n", a->domain);
    if (a->api_call) printf("  api_call:     %s\n", a->api_call);
    if (a->api_provider) printf("  api_provider: %s\n", a->api_provider);
    if (a->explanation) {
        printf("  explanation:\n");
        print_indented(a->explanation, "    ");
    }
    if (a->code) {
        printf("  code:\n");
        print_indented(a->code, "    ");
    }
    if (!r->checked) printf("\ncheck: the answer has no api_call to check\n");
    else if (r->match_index >= 0)
        printf("\ncheck: known API: %s document %ld, %s (%s)\n", gorilla_hub_name(r->match_hub), r->match_index,
               r->match_api_name ? r->match_api_name : "?", r->match_domain ? r->match_domain : "?");
    else
        printf("\nWARNING: the api_call is not in the API store: possibly a hallucination\n  %s\n", a->api_call);
}

int cmd_ask(int argc, char **argv)
{
    const char *task = NULL, *hub_s = NULL, *retriever = NULL, *data = NULL, *api = NULL;
    long k = 3;
    int json = 0;
    cli_gen_flags g = {0};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (cli_is_help(a)) {
            fputs(USAGE, stdout);
            return 0;
        }
        if (!strcmp(a, "--json")) {
            json = 1;
            continue;
        }
        if (a[0] != '-' || !a[1]) {
            if (task) return cli_usage_error("ask", "give one task (quote it), not also '%s'", a);
            task = a;
            continue;
        }
        if (!v) return cli_usage_error("ask", "%s needs a value", a);
        i++;
        int used, rc = cli_parse_gen_flag("ask", a, v, &g, &used);
        if (rc) return rc;
        if (used) continue;
        if (!strcmp(a, "--hub")) hub_s = v;
        else if (!strcmp(a, "--retriever")) retriever = v;
        else if (!strcmp(a, "--data")) data = v;
        else if (!strcmp(a, "--api")) api = v;
        else if (!strcmp(a, "-k")) {
            if (cli_parse_long(v, 1, 100, &k)) return cli_usage_error("ask", "-k needs an integer in [1, 100]");
        } else return cli_usage_error("ask", "unknown argument '%s'", a);
    }
    if (!task || !*task) return cli_usage_error("ask", "no task given");
    int hub = -1;
    gorilla_asker *asker = NULL;
    int rc = cli_asker_open("ask", data, api, hub_s, retriever, k, &g, &hub, &asker);
    if (rc) return rc;
    gorilla_error err = {0};
    gorilla_ask_result r;
    if (gorilla_ask(asker, task, hub, (size_t)k, &r, &err)) {
        gorilla_asker_free(asker);
        return cli_fail("ask", &err);
    }
    if (json) {
        char *s = gorilla_ask_result_json(asker, &r);
        if (s) printf("%s\n", s);
        else fprintf(stderr, "gorilla ask: out of memory\n"), rc = 1;
        free(s);
    } else {
        cli_print_ask(&r, gorilla_asker_model_id(asker));
    }
    gorilla_ask_result_clear(&r);
    gorilla_asker_free(asker);
    return rc;
}
