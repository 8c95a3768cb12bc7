/* cmd_selfinstruct.c — `gorilla selfinstruct`: {instruction, API} pairs from
 * an OpenAI-compatible teacher, the paper's self-instruct procedure. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

static const char USAGE[] =
    "usage: gorilla selfinstruct --endpoint URL [--model NAME] [--api-key-env VAR] --hub HUB\n"
    "                            [--data ROOT | --api API.jsonl] [--examples FILE] [--shots N] [-n N]\n"
    "                            [--dedup J] [--seed S] [--first I] [--count N] [--eval FILE]...\n"
    "                            [--match strict|compatible] [--timeout MS] [--retries N] -o PAIRS.jsonl\n"
    "\n"
    "For each API document, asks the teacher for N (10) instructions a user would write\n"
    "without naming the API, each with the call and a short explanation, showing it\n"
    "--shots (3) in-context examples drawn with the seed from the hub's hand-written\n"
    "examples (default data/selfinstruct/<hub>.json). Keeps a pair only when the\n"
    "evaluator's matcher (strict mode by default: argument by argument) finds its\n"
    "call in that document (the rest are counted as hallucinations), drops instructions naming the API, eval instructions (the\n"
    "hub's eval files of ROOT, or --eval) and near duplicates (word-set Jaccard >= J,\n"
    "default 0.7). Writes the APIBench train format, one fsynced line per pair;\n"
    "PAIRS.jsonl.progress records finished documents, so a rerun resumes where a\n"
    "crash or a teacher failure stopped it. Then: gorilla dataset build --pairs PAIRS.jsonl\n"
    "\n"
    "example: gorilla selfinstruct --endpoint http://127.0.0.1:8080/v1 --model gpt-4 \\\n"
    "           --data ../shared/apibench --hub th -o th_pairs.jsonl\n";

static void on_doc(void *user, size_t doc, size_t kept, size_t total)
{
    (void)user;
    fprintf(stderr, "\rdocument %zu: %zu kept (%zu in all)   ", doc, kept, total);
}

int cmd_selfinstruct(int argc, char **argv)
{
    const char *endpoint = NULL, *model = "gpt-4", *key_env = NULL, *hub_s = NULL, *data = NULL, *api = NULL,
               *examples = NULL, *out = NULL;
    const char *evals[16];
    size_t n_eval = 0;
    long shots = 3, n = 10, seed = 1, first = 0, count = 0, timeout = 0, retries = -1;
    double dedup = 0.7;
    gorilla_match_mode match = GORILLA_MATCH_STRICT;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (cli_is_help(a)) {
            fputs(USAGE, stdout);
            return 0;
        }
        if (a[0] != '-') return cli_usage_error("selfinstruct", "unexpected argument '%s'", a);
        if (!v) return cli_usage_error("selfinstruct", "%s needs a value", a);
        i++;
        long *num = NULL, lo = 0, hi = 0x7fffffffL;
        if (strcmp(a, "--endpoint") == 0) endpoint = v;
        else if (strcmp(a, "--model") == 0) model = v;
        else if (strcmp(a, "--api-key-env") == 0) key_env = v;
        else if (strcmp(a, "--hub") == 0) hub_s = v;
        else if (strcmp(a, "--data") == 0) data = v;
        else if (strcmp(a, "--api") == 0) api = v;
        else if (strcmp(a, "--examples") == 0) examples = v;
        else if (strcmp(a, "-o") == 0 || strcmp(a, "--out") == 0) out = v;
        else if (strcmp(a, "--match") == 0) {
            if (strcmp(v, "strict") == 0) match = GORILLA_MATCH_STRICT;
            else if (strcmp(v, "compatible") == 0) match = GORILLA_MATCH_COMPATIBLE;
            else return cli_usage_error("selfinstruct", "--match is strict or compatible");
        } else if (strcmp(a, "--eval") == 0) {
            if (n_eval == 16) return cli_usage_error("selfinstruct", "at most 16 --eval");
            evals[n_eval++] = v;
        } else if (strcmp(a, "--dedup") == 0) {
            if (cli_parse_double(v, &dedup) != 0 || dedup <= 0 || dedup > 1)
                return cli_usage_error("selfinstruct", "--dedup needs a value in (0, 1]");
        } else if (strcmp(a, "--shots") == 0) num = &shots, lo = 0, hi = 6;
        else if (strcmp(a, "-n") == 0) num = &n, lo = 1, hi = 50;
        else if (strcmp(a, "--seed") == 0) num = &seed;
        else if (strcmp(a, "--first") == 0) num = &first;
        else if (strcmp(a, "--count") == 0) num = &count;
        else if (strcmp(a, "--timeout") == 0) num = &timeout, lo = 1;
        else if (strcmp(a, "--retries") == 0) num = &retries, hi = 20;
        else return cli_usage_error("selfinstruct", "unknown flag '%s'", a);
        if (num && cli_parse_long(v, lo, hi, num) != 0)
            return cli_usage_error("selfinstruct", "%s needs a whole number in %ld..%ld", a, lo, hi);
    }
    if (!endpoint) return cli_usage_error("selfinstruct", "--endpoint URL (an OpenAI-compatible teacher) is required");
    if (!out) return cli_usage_error("selfinstruct", "-o PAIRS.jsonl is required");
    if (!hub_s) return cli_usage_error("selfinstruct", "--hub is required (th, hf, tf)");
    gorilla_hub hub;
    if (gorilla_hub_parse(hub_s, &hub) != 0) return cli_usage_error("selfinstruct", "unknown hub '%s'", hub_s);
    gorilla_error err = {0}, rerr = {0};
    const char *root = gorilla_data_root(data, &rerr);
    char api_path[4096], ex_path[4096], path[4096];
    if (api) snprintf(api_path, sizeof api_path, "%s", api);
    else if (!root) return cli_usage_error("selfinstruct", "--api FILE or --data ROOT (or $GORILLA_DATA) is needed");
    else if (gorilla_data_path(root, hub, GORILLA_FILE_API, NULL, NULL, api_path, sizeof api_path, &err) != GORILLA_OK)
        return cli_fail("selfinstruct", &err);
    if (examples) snprintf(ex_path, sizeof ex_path, "%s", examples);
    else snprintf(ex_path, sizeof ex_path, "data/selfinstruct/%s.json", gorilla_hub_name(hub));

    int rc = 0;
    gorilla_store *store = NULL;
    gorilla_si_examples *ex = NULL;
    gorilla_leakset *leaks = NULL;
    gorilla_client *client = NULL;
    if (gorilla_store_load(api_path, &store, &err) != GORILLA_OK || gorilla_si_examples_load(ex_path, &ex, &err) != GORILLA_OK ||
        gorilla_leakset_new(&leaks, &err) != GORILLA_OK) {
        rc = cli_fail("selfinstruct", &err);
        goto done;
    }
    for (size_t i = 0; i < n_eval && rc == 0; i++)
        if (gorilla_leakset_add_file(leaks, evals[i], &err) != GORILLA_OK) rc = cli_fail("selfinstruct", &err);
    if (rc == 0 && !n_eval && root) {
        for (int h = 0; h < GORILLA_APIBENCH_HUBS && rc == 0; h++)
            if (gorilla_data_path(root, (gorilla_hub)h, GORILLA_FILE_EVAL, NULL, NULL, path, sizeof path, &err) !=
                    GORILLA_OK ||
                gorilla_leakset_add_file(leaks, path, &err) != GORILLA_OK)
                rc = cli_fail("selfinstruct", &err);
    }
    if (rc) goto done;
    gorilla_client_opts co;
    gorilla_client_opts_init(&co);
    co.base_url = endpoint;
    co.model = model;
    co.api_key_env = key_env;
    if (timeout) co.timeout_ms = timeout;
    if (retries >= 0) co.max_retries = (int)retries;
    co.max_in_flight = 1;
    if (gorilla_client_new(&co, &client, &err) != GORILLA_OK) {
        rc = cli_fail("selfinstruct", &err);
        goto done;
    }
    gorilla_si_opts so;
    gorilla_si_opts_init(&so);
    so.hub = hub;
    so.match = match;
    so.n_shots = (unsigned)shots;
    so.n_instructions = (unsigned)n;
    so.dedup_jaccard = dedup;
    so.seed = (uint64_t)seed;
    so.first = (size_t)first;
    so.count = (size_t)count;
    so.leaks = gorilla_leakset_count(leaks) ? leaks : NULL;
    so.on_doc = on_doc;
    gorilla_si_stats s;
    gorilla_status st = gorilla_selfinstruct_run(store, ex, client, out, &so, &s, &err);
    fprintf(stderr, "\n");
    printf("documents asked %zu, already done %zu\n"
           "items parsed %zu (blocks without instruction or call %zu)\n"
           "dropped: hallucinated call %zu, naming the API %zu, eval instruction %zu, near duplicate %zu\n"
           "pairs kept %zu (+%zu from before) -> %s\n",
           s.docs_done, s.docs_skipped, s.generated, s.unparsed, s.hallucinated, s.named_api, s.leaks, s.duplicates,
           s.kept, s.kept_before, out);
    if (st != GORILLA_OK) {
        rc = cli_fail("selfinstruct", &err);
        fprintf(stderr, "gorilla selfinstruct: the pairs written so far are kept; rerun the same command to resume\n");
    }
done:
    gorilla_client_free(client);
    gorilla_leakset_free(leaks);
    gorilla_si_examples_free(ex);
    gorilla_store_free(store);
    return rc;
}
