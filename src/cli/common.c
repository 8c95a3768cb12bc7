/* common.c — what several subcommands share: the API files of
 * ask/bench/chat/serve (the starter store), the model flags of
 * ask/bench/chat, the asker they open, the text form of an ask result,
 * and token-id lists (generate, logprobs). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"

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

size_t cli_gen_flags_table(cli_gen_flags *g, cli_flag *t)
{
    size_t n = 0;
    t[n++] = CLI_F_STR("--model", "-m", &g->model);
    t[n++] = CLI_F_STR("--endpoint", NULL, &g->endpoint);
    t[n++] = CLI_F_STR("--model-name", NULL, &g->model_name);
    t[n++] = CLI_F_STR("--api-key-env", NULL, &g->api_key_env);
    t[n++] = CLI_F_STR("--prompt", NULL, &g->prompt_s);
    t[n++] = CLI_F_STR("--template", NULL, &g->template_name);
    t[n++] = CLI_F_LONG("--max-tokens", "-n", &g->max_tokens, 1, 1 << 20, "needs an integer >= 1");
    t[n++] = CLI_F_DOUBLE("--temp", NULL, &g->temp, 0, 1e30, "needs a number >= 0");
    t[n++] = CLI_F_LONG("--ctx", NULL, &g->ctx, 1, 1 << 20, "needs an integer >= 1");
    t[n++] = CLI_F_LONG("--retries", NULL, &g->retries, 0, 100, "needs an integer in [0, 100]");
    t[n - 1].seen = &g->retries_set;
    t[n++] = CLI_F_LONG("--threads", "-t", &g->threads, 1, 256, "needs an integer in [1, 256]");
    t[n++] = CLI_F_STR("--constrain", NULL, &g->constrain_s);
    t[n++] = CLI_F_STR("--draft", NULL, &g->draft_s);
    t[n++] = CLI_F_STR("--doc-format", NULL, &g->doc_format_s);
    t[n++] = CLI_F_LONG("--prompt-docs", NULL, &g->prompt_docs, 1, 100, "needs an integer in [1, 100]");
    t[n++] = CLI_F_LONG("--rerank", NULL, &g->rerank, 1, 100, "needs an integer in [1, 100]");
    return n;
}

int cli_gen_flags_check(const char *cmd, cli_gen_flags *g)
{
    if (!g->prompt_s || !strcmp(g->prompt_s, "gorilla")) g->prompt = GORILLA_PROMPT_GORILLA;
    else if (!strcmp(g->prompt_s, "eval")) g->prompt = GORILLA_PROMPT_EVAL;
    else return cli_usage_error(cmd, "--prompt is gorilla or eval, not '%s'", g->prompt_s);
    g->constrain = -1;
    if (g->constrain_s) {
        if (!strcmp(g->constrain_s, "store")) g->constrain = GORILLA_ASK_CONSTRAIN_STORE;
        else if (!strcmp(g->constrain_s, "retrieved")) g->constrain = GORILLA_ASK_CONSTRAIN_RETRIEVED;
        else if (!strcmp(g->constrain_s, "off")) g->constrain = GORILLA_ASK_CONSTRAIN_OFF;
        else return cli_usage_error(cmd, "--constrain is store, retrieved or off, not '%s'", g->constrain_s);
    }
    g->draft = -1;
    if (g->draft_s) {
        if (!strcmp(g->draft_s, "lookup")) g->draft = GORILLA_ASK_DRAFT_LOOKUP;
        else if (!strcmp(g->draft_s, "off")) g->draft = GORILLA_ASK_DRAFT_OFF;
        else if (!strcmp(g->draft_s, "auto")) g->draft = GORILLA_ASK_DRAFT_AUTO;
        else return cli_usage_error(cmd, "--draft is lookup, off or auto, not '%s'", g->draft_s);
    }
    g->doc_format = -1;
    if (g->doc_format_s) {
        if (!strcmp(g->doc_format_s, "json")) g->doc_format = GORILLA_DOC_JSON;
        else if (!strcmp(g->doc_format_s, "repr")) g->doc_format = GORILLA_DOC_REPR;
        else return cli_usage_error(cmd, "--doc-format is json or repr, not '%s'", g->doc_format_s);
    }
    gorilla_template t;
    if (g->template_name && gorilla_template_parse(g->template_name, &t) != 0)
        return cli_usage_error(cmd, "--template is gorilla-v0, openfunctions-v1 or openfunctions-v2, not '%s'",
                               g->template_name);
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
    if (g->constrain >= 0) o->constrain = g->constrain;
    if (g->draft >= 0) o->draft = g->draft;
    if (g->doc_format >= 0) o->doc_format = g->doc_format;
    if (g->prompt_docs > 0) o->prompt_docs = (size_t)g->prompt_docs;
    if (g->rerank > 0) o->rerank = (size_t)g->rerank;
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

int cli_parse_token_list(const char *s, int32_t **out, size_t *n)
{
    size_t cap = 16, k = 0;
    int32_t *v = malloc(cap * sizeof *v);
    if (!v) return -1;
    const char *p = s;
    for (;;) {
        while (*p == ' ' || *p == ',' || *p == '\t' || *p == '\n') p++;
        if (!*p) break;
        char *end;
        long id = strtol(p, &end, 10);
        if (end == p || id < 0 || id > INT32_MAX || (*end && *end != ' ' && *end != ',' && *end != '\t' && *end != '\n')) {
            free(v);
            return -1;
        }
        if (k == cap) {
            int32_t *nv = realloc(v, (cap *= 2) * sizeof *v);
            if (!nv) {
                free(v);
                return -1;
            }
            v = nv;
        }
        v[k++] = (int32_t)id;
        p = end;
    }
    *out = v;
    *n = k;
    return 0;
}
