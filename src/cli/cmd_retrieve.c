/* cmd_retrieve.c — `gorilla retrieve`: rank API documents for instructions. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "base/error.h"

static const char USAGE[] =
    "usage: gorilla retrieve --hub HUB [--data ROOT | --api API.jsonl] [--retriever NAME]\n"
    "       gorilla retrieve --api APIZOO.json|APIZOO_FOLDER ... \"instruction\"   (hub: apizoo)\n"
    "                        [-k K] [--json] [--where EXPR]... \"instruction\"\n"
    "       gorilla retrieve --hub HUB ... --queries QUESTIONS.jsonl\n"
    "       gorilla retrieve --eval [--hub HUB] [--data ROOT] [--retriever NAME] [--json]\n"
    "\n"
    "Ranks the hub's API documents for an instruction.\n"
    "\n"
    "  --retriever NAME   gorilla (default): field-weighted BM25 + domain vote;\n"
    "                     bm25-official: the published BM25 (str(doc) split on spaces);\n"
    "                     oracle: the gold document (--queries/--eval; needs --apibench)\n"
    "  -k K               how many documents (default 5)\n"
    "  --where EXPR       metadata constraint, repeatable: params_m<10, top1>=70,\n"
    "                     dataset=ImageNet, domain~segmentation (ops < <= > >= = != ~)\n"
    "  --queries FILE     question file (question_id, text): one JSON line per query,\n"
    "                     {\"question_id\": N, \"results\": [{\"api_index\": I, \"score\": S}, ...]}\n"
    "  --apibench FILE    eval pairs (default: ROOT/apibench/<hub>_eval.json)\n"
    "  --eval             hit@1, hit@5 and domain@1 on the eval pairs, per hub, for the\n"
    "                     chosen retriever, bm25-official and the published gpt_index\n"
    "  --data ROOT        APIBench-shaped data folder (default: $GORILLA_DATA)\n"
    "  --json             JSON output\n"
    "\n"
    "example: gorilla retrieve --hub th \"segment pedestrians in street photos\"\n";

#define MAX_WHERE 32

typedef struct {
    const char *hub, *data, *api, *apibench, *retriever, *queries, *query;
    long k;
    int json, eval;
    const char *where[MAX_WHERE];
    size_t nwhere;
} opts;

static int parse_opts(int argc, char **argv, opts *o)
{
    memset(o, 0, sizeof *o);
    o->k = 5;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *next = i + 1 < argc ? argv[i + 1] : NULL;
#define TAKE(field)                                                                  \
    do {                                                                             \
        if (!next) return cli_usage_error("retrieve", "%s needs a value", a);        \
        o->field = next;                                                             \
        i++;                                                                         \
    } while (0)
        if (cli_is_help(a)) {
            fputs(USAGE, stdout);
            return -1;
        } else if (strcmp(a, "--hub") == 0) TAKE(hub);
        else if (strcmp(a, "--data") == 0) TAKE(data);
        else if (strcmp(a, "--api") == 0) TAKE(api);
        else if (strcmp(a, "--apibench") == 0) TAKE(apibench);
        else if (strcmp(a, "--retriever") == 0) TAKE(retriever);
        else if (strcmp(a, "--queries") == 0) TAKE(queries);
        else if (strcmp(a, "--json") == 0) o->json = 1;
        else if (strcmp(a, "--eval") == 0) o->eval = 1;
        else if (strcmp(a, "-k") == 0) {
            if (!next || cli_parse_long(next, 1, 100000, &o->k) != 0)
                return cli_usage_error("retrieve", "-k needs a number in 1..100000");
            i++;
        } else if (strcmp(a, "--where") == 0) {
            if (!next) return cli_usage_error("retrieve", "--where needs a constraint");
            if (o->nwhere == MAX_WHERE) return cli_usage_error("retrieve", "at most %d --where", MAX_WHERE);
            o->where[o->nwhere++] = next;
            i++;
        } else if (a[0] == '-' && a[1]) {
            return cli_usage_error("retrieve", "unknown flag '%s'", a);
        } else {
            if (o->query) return cli_usage_error("retrieve", "one instruction at a time (quote it)");
            o->query = a;
        }
#undef TAKE
    }
    return 0;
}

static int file_path(const opts *o, gorilla_hub hub, gorilla_file_kind kind, const char *setting, char *out,
                     size_t cap, gorilla_error *err)
{
    const char *root = gorilla_data_root(o->data, err);
    if (!root) return -1;
    return gorilla_data_path(root, hub, kind, NULL, setting, out, cap, err) == GORILLA_OK ? 0 : -1;
}

/* The first document whose api_call equals the gold one, or -1. */
static long gold_doc(const gorilla_store *store, const gorilla_pairs *pairs, size_t i)
{
    const char *call = gorilla_pairs_api_call(pairs, i);
    if (!call) return -1;
    for (size_t d = 0; d < gorilla_store_count(store); d++) {
        const char *c = gorilla_store_field(store, d, "api_call");
        if (c && strcmp(c, call) == 0) return (long)d;
    }
    return -1;
}

typedef struct {
    const char *name;
    size_t n, hit1, hit5, dom1;
    int has_hit5;
    double ms;
} metric_row;

static void score_row(metric_row *m, const gorilla_store *store, const gorilla_pairs *pairs, size_t i,
                      const long *docs, size_t nd)
{
    const char *gold_call = gorilla_pairs_api_call(pairs, i);
    const char *gold_dom = gorilla_pairs_domain(pairs, i);
    m->n++;
    for (size_t j = 0; j < nd && j < 5; j++) {
        if (docs[j] < 0) continue;
        const char *c = gorilla_store_field(store, (size_t)docs[j], "api_call");
        if (c && gold_call && strcmp(c, gold_call) == 0) {
            if (j == 0) m->hit1++;
            m->hit5++;
            break;
        }
    }
    if (nd && docs[0] >= 0) {
        const char *d = gorilla_store_field(store, (size_t)docs[0], "domain");
        if (d && gold_dom && strcmp(d, gold_dom) == 0) m->dom1++;
    }
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int eval_retriever(gorilla_store *store, const gorilla_pairs *pairs, const char *name, metric_row *m,
                          gorilla_error *err)
{
    memset(m, 0, sizeof *m);
    m->name = name;
    m->has_hit5 = 1;
    int oracle = strcmp(name, "oracle") == 0;
    gorilla_retriever *r = NULL;
    if (!oracle && gorilla_retriever_new(store, name, &r, err) != GORILLA_OK) return -1;
    double t0 = now_ms();
    for (size_t i = 0; i < gorilla_pairs_count(pairs); i++) {
        char *q = gorilla_question_text(pairs, i);
        if (!q) continue;
        long docs[5];
        size_t nd = 0;
        if (oracle) {
            docs[0] = gold_doc(store, pairs, i);
            nd = 1;
        } else {
            gorilla_hit hits[5];
            if (gorilla_retriever_search(r, q, 5, hits, &nd, err) != GORILLA_OK) {
                free(q);
                gorilla_retriever_free(r);
                return -1;
            }
            for (size_t j = 0; j < nd; j++) docs[j] = (long)hits[j].api_index;
        }
        free(q);
        score_row(m, store, pairs, i, docs, nd);
    }
    m->ms = m->n ? (now_ms() - t0) / (double)m->n : 0;
    gorilla_retriever_free(r);
    return 0;
}

/* A string field of a document embedded in a published prompt as
 * repr(str(doc)): \'field\': \'value\' or \'field\': "value" (the value with
 * \' for '). Used when the document is no longer in the API file. */
static int embedded_field(const char *text, const char *field, char *out, size_t cap)
{
    char key[64];
    snprintf(key, sizeof key, "\\'%s\\': ", field);
    const char *p = strstr(text, key);
    if (!p) return 0;
    p += strlen(key);
    int dq = *p == '"';
    if (dq) p++;
    else if (p[0] == '\\' && p[1] == '\'') p += 2;
    else return 0;
    size_t n = 0;
    while (*p && n + 1 < cap) {
        if (dq && *p == '"') break;
        if (p[0] == '\\' && p[1] == '\'') {
            if (!dq) break;
            out[n++] = '\'';
            p += 2;
            continue;
        }
        out[n++] = *p++;
    }
    out[n] = '\0';
    return *p != '\0';
}

/* The published gpt_index top-1 documents, read from the question file. */
static int eval_published(const opts *o, gorilla_hub hub, gorilla_store *store, const gorilla_pairs *pairs,
                          const char *setting, metric_row *m, gorilla_error *err)
{
    memset(m, 0, sizeof *m);
    m->name = setting;
    char path[4096];
    if (file_path(o, hub, GORILLA_FILE_QUESTIONS, setting, path, sizeof path, err) != 0) return -1;
    gorilla_records *recs;
    if (gorilla_records_load(path, &recs, err) != GORILLA_OK) return -1;
    size_t n = gorilla_records_count(recs);
    const char **texts = malloc((n ? n : 1) * sizeof *texts);
    long *docs = malloc((n ? n : 1) * sizeof *docs);
    int rc = -1;
    if (texts && docs) {
        for (size_t j = 0; j < n; j++) texts[j] = gorilla_records_text(recs, j);
        if (gorilla_questions_embedded_docs(store, texts, n, docs, err) == GORILLA_OK) {
            for (size_t j = 0; j < n; j++) {
                long qid = gorilla_records_question_id(recs, j);
                if (qid < 1 || (size_t)qid > gorilla_pairs_count(pairs)) continue;
                if (docs[j] >= 0) {
                    score_row(m, store, pairs, (size_t)qid - 1, &docs[j], 1);
                    continue;
                }
                /* a document since changed or removed: judge it by its own fields */
                char dom[512], call[2048];
                const char *gd = gorilla_pairs_domain(pairs, (size_t)qid - 1);
                const char *gc = gorilla_pairs_api_call(pairs, (size_t)qid - 1);
                m->n++;
                if (embedded_field(texts[j], "domain", dom, sizeof dom) && gd && strcmp(dom, gd) == 0) m->dom1++;
                if (embedded_field(texts[j], "api_call", call, sizeof call) && gc && strcmp(call, gc) == 0) {
                    m->hit1++;
                    m->hit5++;
                }
            }
            rc = 0;
        }
    }
    free(texts);
    free(docs);
    gorilla_records_free(recs);
    return rc;
}

static int run_eval(const opts *o)
{
    int first_hub = 0, last_hub = GORILLA_APIBENCH_HUBS - 1;
    gorilla_error err = {0};
    if (o->hub) {
        gorilla_hub h;
        if (gorilla_hub_parse(o->hub, &h) != 0) return cli_usage_error("retrieve", "unknown hub '%s'", o->hub);
        first_hub = last_hub = (int)h;
    }
    const char *chosen = o->retriever ? o->retriever : gorilla_retriever_default_name();
    if (o->json) printf("[");
    else printf("%-14s %-14s %5s %7s %7s %9s %9s\n", "hub", "retriever", "n", "hit@1", "hit@5", "domain@1",
                "ms/query");
    int first = 1;
    for (int h = first_hub; h <= last_hub; h++) {
        gorilla_hub hub = (gorilla_hub)h;
        char api[4096], evalp[4096];
        if (o->api && o->hub) snprintf(api, sizeof api, "%s", o->api);
        else if (file_path(o, hub, GORILLA_FILE_API, NULL, api, sizeof api, &err) != 0) return cli_fail("retrieve", &err);
        if (o->apibench && o->hub) snprintf(evalp, sizeof evalp, "%s", o->apibench);
        else if (file_path(o, hub, GORILLA_FILE_EVAL, NULL, evalp, sizeof evalp, &err) != 0)
            return cli_fail("retrieve", &err);
        gorilla_store *store;
        gorilla_pairs *pairs;
        if (gorilla_store_load(api, &store, &err) != GORILLA_OK) return cli_fail("retrieve", &err);
        if (gorilla_pairs_load(evalp, &pairs, &err) != GORILLA_OK) {
            gorilla_store_free(store);
            return cli_fail("retrieve", &err);
        }
        metric_row rows[3];
        size_t nrows = 0;
        const char *names[2] = {chosen, "bm25-official"};
        for (int k = 0; k < 2; k++) {
            if (k == 1 && strcmp(chosen, "bm25-official") == 0) continue;
            if (eval_retriever(store, pairs, names[k], &rows[nrows], &err) != 0) {
                gorilla_pairs_free(pairs);
                gorilla_store_free(store);
                return cli_fail("retrieve", &err);
            }
            nrows++;
        }
        gorilla_error perr = {0};
        if (eval_published(o, hub, store, pairs, "gpt_index", &rows[nrows], &perr) == 0) nrows++;
        else if (!o->json) fprintf(stderr, "gorilla retrieve: gpt_index column skipped: %s\n", perr.message);
        for (size_t k = 0; k < nrows; k++) {
            metric_row *m = &rows[k];
            double n = m->n ? (double)m->n : 1;
            if (o->json) {
                printf("%s{\"hub\": \"%s\", \"retriever\": \"%s\", \"n\": %zu, \"hit@1\": %.4f, ", first ? "" : ", ",
                       gorilla_hub_name(hub), m->name, m->n, m->hit1 / n);
                if (m->has_hit5) printf("\"hit@5\": %.4f, ", m->hit5 / n);
                else printf("\"hit@5\": null, ");
                printf("\"domain@1\": %.4f}", m->dom1 / n);
                first = 0;
            } else {
                char h5[16], ms[16];
                if (m->has_hit5) snprintf(h5, sizeof h5, "%.1f", 100.0 * m->hit5 / n);
                else snprintf(h5, sizeof h5, "-");
                if (m->has_hit5 && strcmp(m->name, "oracle") != 0) snprintf(ms, sizeof ms, "%.3f", m->ms);
                else snprintf(ms, sizeof ms, "-");
                printf("%-14s %-14s %5zu %7.1f %7s %9.1f %9s\n", gorilla_hub_name(hub), m->name, m->n,
                       100.0 * m->hit1 / n, h5, 100.0 * m->dom1 / n, ms);
            }
        }
        gorilla_pairs_free(pairs);
        gorilla_store_free(store);
    }
    if (o->json) printf("]\n");
    return 0;
}

static void print_hits_json(FILE *f, const gorilla_hit *hits, size_t n)
{
    fputc('[', f);
    for (size_t j = 0; j < n; j++)
        fprintf(f, "%s{\"api_index\": %zu, \"score\": %.6g}", j ? ", " : "", hits[j].api_index, hits[j].score);
    fputc(']', f);
}

int cmd_retrieve(int argc, char **argv)
{
    opts o;
    int prc = parse_opts(argc, argv, &o);
    if (prc == -1) return 0;
    if (prc != 0) return prc;
    if (o.eval) return run_eval(&o);
    gorilla_hub hub = GORILLA_HUB_APIZOO;
    if (!o.hub && !(o.api && gorilla_store_path_is_apizoo(o.api)))
        return cli_usage_error("retrieve", "--hub is required (except for APIZoo files or folders)");
    if (o.hub && gorilla_hub_parse(o.hub, &hub) != 0) return cli_usage_error("retrieve", "unknown hub '%s'", o.hub);
    if (!o.query && !o.queries) return cli_usage_error("retrieve", "give an instruction or --queries FILE");
    if (o.query && o.queries) return cli_usage_error("retrieve", "an instruction or --queries, not both");
    const char *rname = o.retriever ? o.retriever : gorilla_retriever_default_name();
    int oracle = strcmp(rname, "oracle") == 0;
    if (oracle && !o.queries) return cli_usage_error("retrieve", "the oracle retriever needs --queries (and the eval file)");

    gorilla_error err = {0};
    char api[4096];
    if (o.api) snprintf(api, sizeof api, "%s", o.api);
    else if (file_path(&o, hub, GORILLA_FILE_API, NULL, api, sizeof api, &err) != 0) return cli_fail("retrieve", &err);
    gorilla_store *store;
    if (gorilla_store_load(api, &store, &err) != GORILLA_OK) return cli_fail("retrieve", &err);
    cli_report_store("retrieve", api, store);
    gorilla_retriever *r = NULL;
    gorilla_pairs *pairs = NULL;
    gorilla_records *recs = NULL;
    gorilla_hit *hits = NULL;
    int rc = 1;
    if (gorilla_retriever_new(store, oracle ? NULL : rname, &r, &err) != GORILLA_OK) goto out;
    for (size_t w = 0; w < o.nwhere; w++)
        if (gorilla_retriever_where(r, o.where[w], &err) != GORILLA_OK) goto out;
    hits = malloc((size_t)o.k * sizeof *hits);
    if (!hits) {
        snprintf(err.message, sizeof err.message, "out of memory");
        goto out;
    }
    if (o.query) {
        size_t n;
        if (gorilla_retriever_search(r, o.query, (size_t)o.k, hits, &n, &err) != GORILLA_OK) goto out;
        if (o.json) {
            print_hits_json(stdout, hits, n);
            putchar('\n');
        } else {
            for (size_t j = 0; j < n; j++) {
                const char *call = gorilla_store_field(store, hits[j].api_index, "api_call");
                const char *dom = gorilla_store_field(store, hits[j].api_index, "domain");
                if (!dom) dom = gorilla_store_field(store, hits[j].api_index, "api_name"); /* APIZoo */
                printf("%zu\t%zu\t%.4f\t%s\t%s\n", j + 1, hits[j].api_index, hits[j].score, dom ? dom : "-",
                       call ? call : "-");
            }
        }
        rc = 0;
        goto out;
    }
    if (gorilla_records_load(o.queries, &recs, &err) != GORILLA_OK) goto out;
    if (oracle) {
        char evalp[4096];
        if (o.apibench) snprintf(evalp, sizeof evalp, "%s", o.apibench);
        else if (file_path(&o, hub, GORILLA_FILE_EVAL, NULL, evalp, sizeof evalp, &err) != 0) goto out;
        if (gorilla_pairs_load(evalp, &pairs, &err) != GORILLA_OK) goto out;
    }
    for (size_t j = 0; j < gorilla_records_count(recs); j++) {
        long qid = gorilla_records_question_id(recs, j);
        size_t n = 0;
        if (oracle) {
            long d = qid >= 1 && (size_t)qid <= gorilla_pairs_count(pairs) ? gold_doc(store, pairs, (size_t)qid - 1) : -1;
            if (d >= 0) {
                hits[0].api_index = (size_t)d;
                hits[0].score = 1;
                n = 1;
            }
        } else if (gorilla_retriever_search(r, gorilla_records_text(recs, j), (size_t)o.k, hits, &n, &err) !=
                   GORILLA_OK) {
            char where[64];
            snprintf(where, sizeof where, "%s: question_id %ld", o.queries, qid);
            gorilla_error_prefix(&err, where);
            goto out;
        }
        printf("{\"question_id\": %ld, \"results\": ", qid);
        print_hits_json(stdout, hits, n);
        printf("}\n");
    }
    rc = 0;
out:
    if (rc) cli_fail("retrieve", &err);
    free(hits);
    gorilla_records_free(recs);
    gorilla_pairs_free(pairs);
    gorilla_retriever_free(r);
    gorilla_store_free(store);
    return rc;
}
