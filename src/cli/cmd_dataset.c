/* cmd_dataset.c — `gorilla dataset`: training conversations from
 * {instruction, API} pairs (build), format conversion for distributed
 * trainers (export), and how close pairs come to the eval style (style). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

static const char USAGE[] =
    "usage: gorilla dataset build [--pairs PAIRS.jsonl]... [--synth N] [--hub HUB]\n"
    "                             [--data ROOT | --api API.jsonl] [--eval EVAL.json]... [--no-leak-check]\n"
    "                             [--doc none|oracle|retriever] [-k K] [--distractors RATE]\n"
    "                             [--retriever NAME] [--holdout RATE] [--seed S] [--keep-duplicates]\n"
    "                             [--format fastchat|fastchat-jsonl|hf-chat] -o TRAIN [--holdout-out FILE]\n"
    "       gorilla dataset export --format fastchat|fastchat-jsonl|hf-chat IN -o OUT\n"
    "       gorilla dataset style [--pairs PAIRS.jsonl | --synth N] --hub HUB [--data ROOT | --api API.jsonl]\n"
    "                             [--eval EVAL.json] [--retriever NAME] [--seed S]\n"
    "\n"
    "build: turns pairs (APIBench train lines: the TorchHub train file, selfinstruct output)\n"
    "and teacher-free pairs (--synth N per API document) into conversations in the\n"
    "published Gorilla format: the user turn is the instruction (0-shot) or the\n"
    "instruction + \" \\n Use this API documentation for reference: \" + the document(s);\n"
    "the assistant turn is <<<domain>>>: ... <<<api_call>>>: ... <<<api_provider>>>: ...\n"
    "<<<explanation>>>: ... <<<code>>>: ...\n"
    "\n"
    "  --doc SRC          none (0-shot, default), oracle (the gold document; with -k K the\n"
    "                     gold among K-1 others, the retriever's near misses first), or\n"
    "                     retriever (the retriever's top K, as at test time)\n"
    "  --distractors R    share of examples shown only non-gold documents (default 0)\n"
    "  --holdout R        share held out by a hash of the seed and the instruction (0.05)\n"
    "  --eval FILE        eval pairs whose instructions must not be trained on; default:\n"
    "                     the three APIBench eval files of ROOT. Eval files are refused as\n"
    "                     input; pairs whose normalised instruction is an eval one are dropped\n"
    "  --no-leak-check    build without eval files (you accept the risk)\n"
    "  -o FILE            train conversations (.jsonl: JSON lines, else a JSON array)\n"
    "  --holdout-out FILE held-out conversations (default: TRAIN with .holdout before the extension)\n"
    "\n"
    "export: rewrites a conversations file (any of the three formats) for FastChat's\n"
    "train_mem.py (fastchat) or Hugging Face SFT trainers (hf-chat: {\"messages\": [...]}).\n"
    "\n"
    "style: mean words, share of words in the eval vocabulary, and the retriever's\n"
    "hit@1 / hit@3 on the gold document, for the pairs and for the eval instructions.\n"
    "\n"
    "example: gorilla dataset build --data ../shared/apibench --hub th \\\n"
    "           --pairs ../shared/apibench/apibench/torchhub_train.json --doc oracle -o th.json\n";

#define MAX_FILES 32

typedef struct {
    const char *sub, *hub, *data, *api, *retriever, *out, *holdout_out, *format, *input;
    const char *pairs[MAX_FILES], *eval[MAX_FILES];
    size_t n_pairs, n_eval;
    long synth, k, seed;
    double distractors, holdout;
    int no_leak, keep_dups, doc_set;
    gorilla_doc_source doc;
} opts;

static int parse(int argc, char **argv, opts *o)
{
    memset(o, 0, sizeof *o);
    o->k = 1;
    o->seed = 1;
    o->holdout = 0.05;
    if (argc < 2 || cli_is_help(argv[1])) {
        fputs(USAGE, argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : -1;
    }
    o->sub = argv[1];
    if (strcmp(o->sub, "build") != 0 && strcmp(o->sub, "export") != 0 && strcmp(o->sub, "style") != 0)
        return cli_usage_error("dataset", "unknown subcommand '%s' (build, export, style)", o->sub);
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        int needs = strcmp(a, "--no-leak-check") != 0 && strcmp(a, "--keep-duplicates") != 0 && a[0] == '-' &&
                    !cli_is_help(a);
        if (needs && !v) return cli_usage_error("dataset", "%s needs a value", a);
        if (cli_is_help(a)) {
            fputs(USAGE, stdout);
            return -1;
        } else if (strcmp(a, "--pairs") == 0 || strcmp(a, "--eval") == 0) {
            int ev = a[2] == 'e';
            size_t *n = ev ? &o->n_eval : &o->n_pairs;
            if (*n == MAX_FILES) return cli_usage_error("dataset", "at most %d %s", MAX_FILES, a);
            (ev ? o->eval : o->pairs)[(*n)++] = v;
            i++;
        } else if (strcmp(a, "--hub") == 0) o->hub = v, i++;
        else if (strcmp(a, "--data") == 0) o->data = v, i++;
        else if (strcmp(a, "--api") == 0) o->api = v, i++;
        else if (strcmp(a, "--retriever") == 0) o->retriever = v, i++;
        else if (strcmp(a, "-o") == 0 || strcmp(a, "--out") == 0) o->out = v, i++;
        else if (strcmp(a, "--holdout-out") == 0) o->holdout_out = v, i++;
        else if (strcmp(a, "--format") == 0) o->format = v, i++;
        else if (strcmp(a, "--no-leak-check") == 0) o->no_leak = 1;
        else if (strcmp(a, "--keep-duplicates") == 0) o->keep_dups = 1;
        else if (strcmp(a, "--doc") == 0) {
            if (gorilla_doc_source_parse(v, &o->doc) != 0)
                return cli_usage_error("dataset", "--doc is none, oracle or retriever, not '%s'", v);
            o->doc_set = 1;
            i++;
        } else if (strcmp(a, "--synth") == 0 || strcmp(a, "-k") == 0 || strcmp(a, "--seed") == 0) {
            long *dst = a[1] == 'k' ? &o->k : a[2] == 's' && a[3] == 'y' ? &o->synth : &o->seed;
            long lo = a[1] == 'k' ? 1 : 0, hi = a[1] == 'k' ? 16 : a[3] == 'y' ? 1000 : 0x7fffffffL;
            if (cli_parse_long(v, lo, hi, dst) != 0)
                return cli_usage_error("dataset", "%s needs a whole number in %ld..%ld", a, lo, hi);
            i++;
        } else if (strcmp(a, "--distractors") == 0 || strcmp(a, "--holdout") == 0) {
            double *dst = a[2] == 'd' ? &o->distractors : &o->holdout;
            if (cli_parse_double(v, dst) != 0 || *dst < 0 || *dst > 1)
                return cli_usage_error("dataset", "%s needs a rate in [0, 1]", a);
            i++;
        } else if (a[0] == '-' && a[1]) {
            return cli_usage_error("dataset", "unknown flag '%s'", a);
        } else {
            if (o->input) return cli_usage_error("dataset", "one input file (got '%s' and '%s')", o->input, a);
            o->input = a;
        }
    }
    return 0;
}

static int export_cmd(const opts *o)
{
    gorilla_conv_format fmt;
    if (!o->format || gorilla_conv_format_parse(o->format, &fmt) != 0)
        return cli_usage_error("dataset", "export needs --format fastchat, fastchat-jsonl or hf-chat");
    if (!o->input || !o->out) return cli_usage_error("dataset", "export needs an input file and -o OUT");
    gorilla_error err = {0};
    gorilla_convset *cs = NULL;
    gorilla_status st = gorilla_convset_new(&cs, &err);
    if (st == GORILLA_OK) st = gorilla_convset_load(cs, o->input, &err);
    if (st == GORILLA_OK) st = gorilla_convset_save(cs, o->out, fmt, &err);
    if (st == GORILLA_OK) printf("%s: %zu conversations (%s)\n", o->out, gorilla_convset_count(cs), o->format);
    gorilla_convset_free(cs);
    return st == GORILLA_OK ? 0 : cli_fail("dataset export", &err);
}

/* The API file: --api, else ROOT/api/<hub>_api.jsonl. */
static int api_path(const opts *o, const char *root, int hub, char *buf, size_t cap, gorilla_error *err)
{
    if (o->api) {
        snprintf(buf, cap, "%s", o->api);
        return 0;
    }
    if (!root || hub < 0) return -1;
    return gorilla_data_path(root, (gorilla_hub)hub, GORILLA_FILE_API, NULL, NULL, buf, cap, err) == GORILLA_OK ? 0 : -1;
}

static void default_holdout_path(const char *out, char *buf, size_t cap)
{
    const char *slash = strrchr(out, '/');
    const char *dot = strrchr(out, '.');
    if (!dot || (slash && dot < slash)) snprintf(buf, cap, "%s.holdout", out);
    else snprintf(buf, cap, "%.*s.holdout%s", (int)(dot - out), out, dot);
}

static int ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && strcmp(s + a - b, suffix) == 0;
}

typedef struct {
    gorilla_store *store;
    gorilla_retriever *retr;
    gorilla_leakset *leaks;
    gorilla_pairset *pairs;
} resources;

static void resources_free(resources *r)
{
    gorilla_retriever_free(r->retr);
    gorilla_store_free(r->store);
    gorilla_leakset_free(r->leaks);
    gorilla_pairset_free(r->pairs);
}

/* Loads the store (+ retriever), the leak set and the pairs. Returns 0 or an exit code. */
static int load_common(const opts *o, resources *r, int need_store, gorilla_error *err)
{
    memset(r, 0, sizeof *r);
    int hub = -1;
    if (o->hub) {
        gorilla_hub h;
        if (gorilla_hub_parse(o->hub, &h) != 0) return cli_usage_error("dataset", "unknown hub '%s'", o->hub);
        hub = (int)h;
    }
    gorilla_error rerr = {0};
    const char *root = gorilla_data_root(o->data, &rerr);
    char path[4096];
    if (need_store) {
        if (api_path(o, root, hub, path, sizeof path, err) != 0)
            return cli_usage_error("dataset", "this needs an API store: --api FILE, or --hub HUB with --data ROOT");
        if (gorilla_store_load(path, &r->store, err) != GORILLA_OK) return cli_fail("dataset", err);
        if (gorilla_retriever_new(r->store, o->retriever, &r->retr, err) != GORILLA_OK) return cli_fail("dataset", err);
    }
    if (gorilla_leakset_new(&r->leaks, err) != GORILLA_OK || gorilla_pairset_new(&r->pairs, err) != GORILLA_OK)
        return cli_fail("dataset", err);
    if (o->n_eval) {
        for (size_t i = 0; i < o->n_eval; i++)
            if (gorilla_leakset_add_file(r->leaks, o->eval[i], err) != GORILLA_OK) return cli_fail("dataset", err);
    } else if (root) {
        for (int h = 0; h < GORILLA_APIBENCH_HUBS; h++) {
            if (gorilla_data_path(root, (gorilla_hub)h, GORILLA_FILE_EVAL, NULL, NULL, path, sizeof path, err) !=
                    GORILLA_OK ||
                gorilla_leakset_add_file(r->leaks, path, err) != GORILLA_OK)
                return cli_fail("dataset", err);
        }
    }
    if (!gorilla_leakset_count(r->leaks) && !o->no_leak && strcmp(o->sub, "build") == 0)
        return cli_usage_error("dataset", "no eval files to guard against (--eval FILE or --data ROOT), "
                                          "or --no-leak-check");
    for (size_t i = 0; i < o->n_pairs; i++) {
        if (gorilla_leakset_check_input(r->leaks, o->pairs[i], err) != GORILLA_OK ||
            gorilla_pairset_load(r->pairs, o->pairs[i], err) != GORILLA_OK)
            return cli_fail("dataset", err);
    }
    if (o->synth) {
        if (!r->store) return cli_usage_error("dataset", "--synth needs an API store (--api or --hub with --data)");
        size_t added = 0;
        if (gorilla_pairset_synth(r->pairs, r->store, (unsigned)o->synth, (uint64_t)o->seed, &added, err) != GORILLA_OK)
            return cli_fail("dataset", err);
        fprintf(stderr, "synth: %zu pairs from %zu documents\n", added, gorilla_store_count(r->store));
    }
    return 0;
}

static int build_cmd(const opts *o)
{
    if (!o->out) return cli_usage_error("dataset", "build needs -o TRAIN");
    if (!o->n_pairs && !o->synth) return cli_usage_error("dataset", "build needs --pairs FILE or --synth N");
    gorilla_conv_format fmt = ends_with(o->out, ".jsonl") ? GORILLA_CONV_FASTCHAT_JSONL : GORILLA_CONV_FASTCHAT_JSON;
    if (o->format && gorilla_conv_format_parse(o->format, &fmt) != 0)
        return cli_usage_error("dataset", "--format is fastchat, fastchat-jsonl or hf-chat");
    int need_store = o->synth || o->doc == GORILLA_DOC_RETRIEVER || (o->doc != GORILLA_DOC_NONE &&
                                                                     (o->k > 1 || o->distractors > 0 || o->api || o->hub));
    gorilla_error err = {0};
    resources r;
    int rc = load_common(o, &r, need_store, &err);
    gorilla_convset *train = NULL, *held = NULL;
    gorilla_dataset_stats s;
    if (rc == 0) {
        gorilla_dataset_opts d;
        gorilla_dataset_opts_init(&d);
        d.doc = o->doc;
        d.k = (size_t)o->k;
        d.distractor_rate = o->distractors;
        d.holdout_rate = o->holdout;
        d.seed = (uint64_t)o->seed;
        d.keep_duplicates = o->keep_dups;
        char hpath[4096];
        if (o->holdout_out) snprintf(hpath, sizeof hpath, "%s", o->holdout_out);
        else default_holdout_path(o->out, hpath, sizeof hpath);
        if (gorilla_convset_new(&train, &err) != GORILLA_OK || gorilla_convset_new(&held, &err) != GORILLA_OK ||
            gorilla_dataset_build(r.pairs, r.store, r.retr, o->no_leak && !o->n_eval ? NULL : r.leaks, &d, train, held,
                                  &s, &err) != GORILLA_OK ||
            gorilla_convset_save(train, o->out, fmt, &err) != GORILLA_OK ||
            gorilla_convset_save(held, hpath, fmt, &err) != GORILLA_OK)
            rc = cli_fail("dataset build", &err);
        else {
            printf("pairs %zu  eval leaks dropped %zu  duplicates dropped %zu\n", s.pairs_in, s.leaks, s.duplicates);
            printf("train %zu -> %s\nholdout %zu -> %s\n", s.train, o->out, s.holdout, hpath);
            if (o->doc != GORILLA_DOC_NONE)
                printf("with documents %zu  gold shown %zu  distractor-only %zu  gold not in store %zu\n", s.with_doc,
                       s.gold_shown, s.distractor_only, s.gold_missing);
        }
    }
    gorilla_convset_free(train);
    gorilla_convset_free(held);
    resources_free(&r);
    return rc;
}

static void print_style(const char *what, const gorilla_style_stats *s)
{
    printf("%-14s %6zu %10.1f %10.3f %10.3f %7.3f %7.3f\n", what, s->n, s->mean_words, s->vocab_in_reference,
           s->token_in_reference, s->hit1, s->hit3);
}

static int style_cmd(const opts *o)
{
    if (!o->n_pairs && !o->synth) return cli_usage_error("dataset", "style needs --pairs FILE or --synth N");
    gorilla_error err = {0};
    resources r;
    int rc = load_common(o, &r, 1, &err);
    gorilla_pairset *ref = NULL;
    if (rc == 0 && gorilla_pairset_new(&ref, &err) != GORILLA_OK) rc = cli_fail("dataset style", &err);
    if (rc == 0) {
        char path[4096];
        int hub = -1;
        gorilla_hub h;
        if (o->hub && gorilla_hub_parse(o->hub, &h) == 0) hub = (int)h;
        const char *evalp = o->n_eval ? o->eval[0] : NULL;
        gorilla_error rerr = {0};
        const char *root = gorilla_data_root(o->data, &rerr);
        if (!evalp && root && hub >= 0 &&
            gorilla_data_path(root, (gorilla_hub)hub, GORILLA_FILE_EVAL, NULL, NULL, path, sizeof path, &err) == GORILLA_OK)
            evalp = path;
        if (!evalp) rc = cli_usage_error("dataset", "style needs the hub's eval file (--eval FILE or --hub with --data)");
        else if (gorilla_pairset_load(ref, evalp, &err) != GORILLA_OK) rc = cli_fail("dataset style", &err);
    }
    gorilla_style_stats a, b;
    memset(&a, 0, sizeof a);
    memset(&b, 0, sizeof b);
    gorilla_matcher *m = NULL;
    gorilla_hub mh;
    if (rc == 0 && o->hub && gorilla_hub_parse(o->hub, &mh) == 0 &&
        gorilla_matcher_new(r.store, mh, GORILLA_MATCH_COMPATIBLE, &m, &err) != GORILLA_OK)
        rc = cli_fail("dataset style", &err);
    if (rc == 0 && (gorilla_style_measure(r.pairs, ref, r.retr, m, &a, &err) != GORILLA_OK ||
                    gorilla_style_measure(ref, ref, r.retr, m, &b, &err) != GORILLA_OK))
        rc = cli_fail("dataset style", &err);
    gorilla_matcher_free(m);
    if (rc == 0) {
        printf("%-14s %6s %10s %10s %10s %7s %7s\n", "set", "n", "mean_words", "vocab_in", "tokens_in", "hit@1",
               "hit@3");
        print_style("pairs", &a);
        print_style("eval", &b);
        printf("(vocab_in / tokens_in: share of distinct words / word occurrences found in the eval\n"
               " instructions' vocabulary; hit@k: the %s retriever's top k holds the gold document,\n"
               " or one the evaluator's matcher takes for it)\n",
               gorilla_retriever_name(r.retr));
    }
    gorilla_pairset_free(ref);
    resources_free(&r);
    return rc;
}

int cmd_dataset(int argc, char **argv)
{
    opts o;
    int rc = parse(argc, argv, &o);
    if (rc) return rc < 0 ? 0 : rc;
    if (strcmp(o.sub, "export") == 0) return export_cmd(&o);
    if (strcmp(o.sub, "style") == 0) return style_cmd(&o);
    return build_cmd(&o);
}
