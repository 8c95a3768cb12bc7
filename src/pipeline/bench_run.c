/* bench_run.c — the bench loop in the library (gorilla_bench_run):
 * questions in, one fsync'd response line per answer out, progress through
 * a callback; the resumable file itself is bench.c. */
#include <errno.h>
#include <stdio.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/error.h"
#include "gorilla.h"

void gorilla_bench_opts_init(gorilla_bench_opts *o)
{
    memset(o, 0, sizeof *o);
    o->limit = -1;
    o->seed = 42;
}

static int cmp_long(const void *a, const void *b)
{
    long x = *(const long *)a, y = *(const long *)b;
    return x < y ? -1 : x > y;
}

/* Was question q answered already? (done is sorted) */
static int is_done(long q, const long *done, size_t n)
{
    return n && bsearch(&q, done, n, sizeof *done, cmp_long) != NULL;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int write_all(int fd, const char *s, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, s, n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return -1;
        s += w;
        n -= (size_t)w;
    }
    return 0;
}

static void report(const gorilla_bench_opts *o, gorilla_bench_progress *p, gorilla_bench_event ev, long q,
                   double t0, const char *note)
{
    p->event = ev;
    p->question_id = q;
    p->elapsed_s = now_s() - t0;
    p->rate = p->elapsed_s > 0 ? (double)p->n_answered / p->elapsed_s : 0;
    p->note = note;
    if (o->on_progress) o->on_progress(o->user, p);
}

/* The question's answer text (malloc'd) or an empty one recorded with a
 * note (*failed, borrowed from err) when the prompt does not fit. */
static gorilla_status answer(gorilla_asker *a, const gorilla_bench_opts *o, const char *question, char **text,
                             const char **failed, gorilla_error *err)
{
    char *user = NULL;
    *text = NULL;
    *failed = NULL;
    if (o->retrieve) {
        gorilla_ask_result r;
        size_t k = gorilla_asker_prompt_docs(a), rerank = gorilla_asker_rerank(a);
        gorilla_status st = gorilla_ask_retrieve(a, question, o->hub, rerank > k ? rerank : k, &r, err);
        if (st) return st;
        size_t best = 0;
        if (rerank > 1 && r.n_hits > 1) {
            st = gorilla_asker_rerank_docs(a, question, r.hits, r.n_hits < rerank ? r.n_hits : rerank, &best, err);
            if (st) {
                gorilla_ask_result_clear(&r);
                return st;
            }
            size_t used, cut;
            user = gorilla_asker_task_text_fit(a, question, &r.hits[best], 1, &used, &cut);
        } else {
            size_t used, cut, n = r.n_hits < k ? r.n_hits : k;
            user = gorilla_asker_task_text_fit(a, question, r.hits, n, &used, &cut);
        }
        gorilla_ask_result_clear(&r);
        if (!user) return gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory");
        question = user;
    }
    gorilla_status st = gorilla_asker_complete(a, o->hub, question, NULL, text, err);
    free(user);
    if (st == GORILLA_ERR_LIMIT) {
        *failed = err->message;
        st = GORILLA_OK;
    }
    return st;
}

gorilla_status gorilla_bench_run(gorilla_asker *a, const gorilla_bench_opts *o, gorilla_bench_progress *last,
                                 gorilla_error *err)
{
    gorilla_bench_progress p;
    memset(&p, 0, sizeof p);
    if (last) *last = p;
    if (!a || !o || !o->questions_path || !o->out_path)
        return gorilla_fail(err, GORILLA_ERR_INVALID, "bench: missing argument");
    gorilla_records *qs = NULL;
    gorilla_status st = gorilla_records_load(o->questions_path, &qs, err);
    if (st) return st;
    long *done = NULL;
    size_t n_done = 0;
    int fd = -1;
    if ((st = gorilla_bench_resume(o->out_path, &done, &n_done, err))) goto end;
    if (n_done) qsort(done, n_done, sizeof *done, cmp_long);
    fd = open(o->out_path, O_WRONLY | O_APPEND);
    if (fd < 0) {
        st = gorilla_fail(err, GORILLA_ERR_IO, "%s: cannot open: %s", o->out_path, strerror(errno));
        goto end;
    }
    size_t n_q = gorilla_records_count(qs);
    if (o->limit >= 0 && (size_t)o->limit < n_q) n_q = (size_t)o->limit;
    for (size_t i = 0; i < n_q; i++)
        if (!is_done(gorilla_records_question_id(qs, i), done, n_done)) p.n_todo++;
    p.n_questions = n_q;
    double t0 = now_s();
    report(o, &p, GORILLA_BENCH_START, -1, t0, NULL);
    for (size_t i = 0; i < n_q; i++) {
        long q = gorilla_records_question_id(qs, i);
        if (is_done(q, done, n_done)) continue;
        char *text = NULL;
        const char *failed = NULL;
        if ((st = answer(a, o, gorilla_records_text(qs, i), &text, &failed, err))) {
            char where[48];
            snprintf(where, sizeof where, "question %ld", q);
            gorilla_error_prefix(err, where);
            break;
        }
        if (failed) report(o, &p, GORILLA_BENCH_EMPTY, q, t0, failed);
        char *line = gorilla_bench_response_line(q, text ? text : "", gorilla_asker_model_id(a), o->seed, failed);
        free(text);
        if (!line) {
            st = gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory");
            break;
        }
        if (write_all(fd, line, strlen(line)) != 0 || fsync(fd) != 0) {
            st = gorilla_fail(err, GORILLA_ERR_IO, "%s: write error: %s", o->out_path, strerror(errno));
            free(line);
            break;
        }
        free(line);
        p.n_answered++;
        report(o, &p, GORILLA_BENCH_ANSWER, q, t0, NULL);
    }
    if (close(fd) != 0 && st == GORILLA_OK)
        st = gorilla_fail(err, GORILLA_ERR_IO, "%s: %s", o->out_path, strerror(errno));
    fd = -1;
end:
    if (fd >= 0) close(fd);
    free(done);
    gorilla_records_free(qs);
    if (last) *last = p;
    return st;
}
