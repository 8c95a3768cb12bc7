/* selfinstruct.c — the self-instruct loop: for each API document, ask the
 * teacher for instructions, keep those whose call the evaluator's matcher
 * finds in that document, drop near duplicates, and append the pairs to a
 * file one fsynced line at a time, resumable after a crash. */
#include "dataset/dataset_internal.h"
#include "base/error.h"
#include "base/hashmap.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void gorilla_si_opts_init(gorilla_si_opts *o)
{
    memset(o, 0, sizeof *o);
    o->hub = GORILLA_HUB_TORCHHUB;
    o->match = GORILLA_MATCH_STRICT;
    o->n_shots = 3;
    o->n_instructions = 10;
    o->dedup_jaccard = 0.7;
    o->seed = 1;
}

static gorilla_status write_all(int fd, const char *s, size_t n, const char *path, gorilla_error *err)
{
    while (n) {
        ssize_t w = write(fd, s, n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return gorilla_fail(err, GORILLA_ERR_IO, "%s: %s", path, strerror(errno));
        s += w;
        n -= (size_t)w;
    }
    if (fsync(fd) != 0) return gorilla_fail(err, GORILLA_ERR_IO, "%s: fsync: %s", path, strerror(errno));
    return GORILLA_OK;
}

static char *read_file(const char *path, size_t *len, int *missing)
{
    *len = 0;
    *missing = 0;
    FILE *f = fopen(path, "rb");
    if (!f) {
        *missing = errno == ENOENT;
        return NULL;
    }
    ds_buf b;
    ds_buf_init(&b);
    char chunk[65536];
    size_t r;
    while ((r = fread(chunk, 1, sizeof chunk, f)) > 0) ds_buf_add(&b, chunk, r);
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        ds_buf_free(&b);
        return NULL;
    }
    *len = b.n;
    return ds_buf_take(&b);
}

/* The resume state: finished documents and the output length after the
 * last one; the instructions already written (for duplicates). */
typedef struct {
    unsigned char *done; /* per document */
    long long offset;
    gorilla_hashmap seen; /* normalised instructions written */
    size_t kept_before;
} resume_state;

static gorilla_status load_resume(const char *out_path, const char *prog_path, size_t n_docs, resume_state *rs,
                                  gorilla_error *err)
{
    rs->done = calloc(n_docs ? n_docs : 1, 1);
    rs->offset = 0;
    rs->kept_before = 0;
    gorilla_hashmap_init(&rs->seen);
    if (!rs->done) return gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory");
    size_t plen, olen;
    int pmiss, omiss;
    char *prog = read_file(prog_path, &plen, &pmiss);
    if (!prog && !pmiss) return gorilla_fail(err, GORILLA_ERR_IO, "%s: cannot read: %s", prog_path, strerror(errno));
    char *out = read_file(out_path, &olen, &omiss);
    if (!out && !omiss) {
        free(prog);
        return gorilla_fail(err, GORILLA_ERR_IO, "%s: cannot read: %s", out_path, strerror(errno));
    }
    gorilla_status st = GORILLA_OK;
    if (!prog && out && olen > 0) {
        st = gorilla_fail(err, GORILLA_ERR_INVALID,
                          "%s exists but %s does not: not a selfinstruct output to resume (remove it or choose "
                          "another -o)",
                          out_path, prog_path);
        goto done;
    }
    /* progress lines "DOC OFFSET\n"; a torn last line is ignored */
    for (const char *s = prog ? prog : ""; *s;) {
        const char *nl = strchr(s, '\n');
        if (!nl) break;
        char line[96];
        size_t l = (size_t)(nl - s) < sizeof line - 1 ? (size_t)(nl - s) : sizeof line - 1;
        memcpy(line, s, l);
        line[l] = '\0';
        char *e1 = NULL, *e2 = NULL;
        errno = 0;
        unsigned long long d = isdigit((unsigned char)line[0]) ? strtoull(line, &e1, 10) : 0;
        long long off = e1 && *e1 == ' ' && isdigit((unsigned char)e1[1]) ? strtoll(e1 + 1, &e2, 10) : -1;
        if (errno || !e2 || *e2 || off < 0 || (unsigned long long)off > (unsigned long long)olen) {
            st = gorilla_fail(err, GORILLA_ERR_PARSE, "%s: malformed progress line '%s' (output is %zu bytes)",
                              prog_path, line, olen);
            goto done;
        }
        if (d < n_docs) rs->done[d] = 1;
        if (off > rs->offset) rs->offset = off;
        s = nl + 1;
    }
    /* the pairs kept so far: their instructions, for duplicates */
    for (const char *s = out ? out : ""; s < (out ? out + rs->offset : s);) {
        const char *nl = memchr(s, '\n', (size_t)(out + rs->offset - s));
        const char *e = nl ? nl : out + rs->offset;
        json_t *o = json_loadb(s, (size_t)(e - s), 0, NULL);
        const json_t *c = o ? json_object_get(o, "code") : NULL;
        char *instr = json_is_string(c) ? ds_code_instruction(json_string_value(c)) : NULL;
        char *norm = instr ? gorilla_text_normalize(instr) : NULL;
        if (norm && gorilla_hashmap_put(&rs->seen, norm, strlen(norm), 1) != 0)
            st = gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory");
        if (o) rs->kept_before++;
        free(norm);
        free(instr);
        json_decref(o);
        if (st != GORILLA_OK) goto done;
        s = nl ? nl + 1 : e;
    }
done:
    free(prog);
    free(out);
    return st;
}

/* The document of `call` for the matcher, the way the evaluator finds it. */
static long matched_doc(gorilla_matcher *m, const char *call)
{
    return call ? gorilla_matcher_find(m, call, strlen(call), NULL) : -1;
}

static int names_api(const char *instruction, const char *api_name)
{
    if (!api_name || strlen(api_name) < 4) return 0;
    size_t n = strlen(api_name);
    for (const char *h = instruction; *h; h++)
        if (strncasecmp(h, api_name, n) == 0) return 1;
    return 0;
}

gorilla_status gorilla_selfinstruct_run(const gorilla_store *store, const gorilla_si_examples *ex,
                                        gorilla_client *client, const char *out_path, const gorilla_si_opts *opts,
                                        gorilla_si_stats *stats, gorilla_error *err)
{
    gorilla_si_opts def;
    if (!opts) {
        gorilla_si_opts_init(&def);
        opts = &def;
    }
    memset(stats, 0, sizeof *stats);
    size_t n_docs = gorilla_store_count(store);
    size_t first = opts->first, last = opts->count ? opts->first + opts->count : n_docs;
    if (last > n_docs) last = n_docs;
    char *prog_path = malloc(strlen(out_path) + 16);
    if (!prog_path) return gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory");
    sprintf(prog_path, "%s.progress", out_path);
    resume_state rs;
    gorilla_matcher *m = NULL;
    int fd = -1, pfd = -1;
    gorilla_status st = load_resume(out_path, prog_path, n_docs, &rs, err);
    if (st != GORILLA_OK) goto done;
    stats->kept_before = rs.kept_before;
    st = gorilla_matcher_new(store, opts->hub, opts->match, &m, err);
    if (st != GORILLA_OK) goto done;
    fd = open(out_path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    pfd = fd >= 0 ? open(prog_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644) : -1;
    if (fd < 0 || pfd < 0) {
        st = gorilla_fail(err, GORILLA_ERR_IO, "%s: %s", fd < 0 ? out_path : prog_path, strerror(errno));
        goto done;
    }
    /* pairs of an unfinished document (and a torn line) are dropped */
    if (ftruncate(fd, (off_t)rs.offset) != 0 || lseek(fd, (off_t)rs.offset, SEEK_SET) < 0) {
        st = gorilla_fail(err, GORILLA_ERR_IO, "%s: %s", out_path, strerror(errno));
        goto done;
    }
    long long offset = rs.offset;
    gorilla_gen_params gp;
    gorilla_gen_params_init(&gp);
    gp.max_tokens = 2048;
    gp.temperature = 0.7f;
    for (size_t d = first; d < last; d++) {
        if (rs.done[d]) {
            stats->docs_skipped++;
            continue;
        }
        const char *call = gorilla_store_field(store, d, "api_call");
        char *doc_json = gorilla_store_doc_json(store, d);
        if (!doc_json) {
            st = gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory");
            break;
        }
        size_t kept_doc = 0;
        if (call) {
            char *prompt = gorilla_si_prompt(ex, doc_json, opts->n_shots, opts->n_instructions, opts->seed ^ (d * 0x100000001B3ULL));
            char *answer = NULL;
            st = prompt ? gorilla_client_chat(client, "You are a careful writer of API usage data.", prompt, &gp,
                                              &answer, err)
                        : gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory");
            free(prompt);
            if (st != GORILLA_OK) {
                char where[64];
                snprintf(where, sizeof where, "document %zu", d);
                gorilla_error_prefix(err, where);
                free(doc_json);
                break;
            }
            gorilla_si_item *items = NULL;
            size_t n_items = 0, skipped = 0;
            st = gorilla_si_parse(answer, &items, &n_items, &skipped, err);
            free(answer);
            if (st != GORILLA_OK) {
                free(doc_json);
                break;
            }
            stats->generated += n_items;
            stats->unparsed += skipped;
            long want = matched_doc(m, call);
            const char *api_name = gorilla_store_field(store, d, "api_name");
            const char **kept = calloc(n_items ? n_items : 1, sizeof *kept);
            size_t n_kept = 0;
            if (!kept) st = gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory");
            for (size_t i = 0; i < n_items && st == GORILLA_OK; i++) {
                const gorilla_si_item *it = &items[i];
                long got = matched_doc(m, it->api_call);
                if (got < 0 || (got != (long)d && got != want)) {
                    stats->hallucinated++;
                    continue;
                }
                if (names_api(it->instruction, api_name)) {
                    stats->named_api++;
                    continue;
                }
                if (opts->leaks && gorilla_leakset_contains(opts->leaks, it->instruction)) {
                    stats->leaks++;
                    continue;
                }
                char *norm = gorilla_text_normalize(it->instruction);
                int64_t v;
                int dup = !norm || gorilla_hashmap_get(&rs.seen, norm, strlen(norm), &v);
                for (size_t j = 0; j < n_kept && !dup; j++) /* near duplicates of this document's kept ones */
                    dup = gorilla_text_jaccard(kept[j], it->instruction) >= opts->dedup_jaccard;
                if (dup || gorilla_hashmap_put(&rs.seen, norm, strlen(norm), 1) != 0) {
                    if (!dup || !norm) {
                        free(norm);
                        st = gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory");
                        break;
                    }
                    stats->duplicates++;
                    free(norm);
                    continue;
                }
                free(norm);
                kept[n_kept++] = it->instruction;
                char *ans = gorilla_answer_format(gorilla_store_field(store, d, "domain"), it->api_call,
                                                  gorilla_store_field(store, d, "framework"), it->explanation,
                                                  it->api_call);
                gorilla_train_pair p = {it->instruction, ans, (char *)call, (char *)gorilla_store_field(store, d, "domain"),
                                        (char *)gorilla_store_field(store, d, "framework"), doc_json};
                char *line = ans ? gorilla_pair_apibench_line(&p) : NULL;
                free(ans);
                if (!line) {
                    st = gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory");
                    break;
                }
                size_t ll = strlen(line);
                ds_buf lb;
                ds_buf_init(&lb);
                ds_buf_add(&lb, line, ll);
                ds_buf_add(&lb, "\n", 1);
                free(line);
                st = lb.oom ? gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory")
                            : write_all(fd, lb.p, lb.n, out_path, err);
                offset += (long long)lb.n;
                ds_buf_free(&lb);
                if (st == GORILLA_OK) {
                    kept_doc++;
                    stats->kept++;
                }
            }
            free(kept);
            gorilla_si_items_free(items, n_items);
        }
        free(doc_json);
        if (st != GORILLA_OK) break;
        char pl[64];
        int n = snprintf(pl, sizeof pl, "%zu %lld\n", d, offset);
        st = write_all(pfd, pl, (size_t)n, prog_path, err);
        if (st != GORILLA_OK) break;
        stats->docs_done++;
        if (opts->on_doc) opts->on_doc(opts->on_doc_user, d, kept_doc, stats->kept_before + stats->kept);
    }
done:
    if (fd >= 0) close(fd);
    if (pfd >= 0) close(pfd);
    gorilla_matcher_free(m);
    free(rs.done);
    gorilla_hashmap_free(&rs.seen);
    free(prog_path);
    return st;
}
