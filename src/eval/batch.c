/* batch.c — many response files judged in parallel.
 *
 * One set of threads loads and judges, overlapped:
 *   - load: each needed hub's documents and pairs, then every response file;
 *   - judge: chunks of CHUNK responses (so a large file is split between
 *     threads), queued as soon as the file and its hub are loaded, each
 *     thread with its own matcher per hub (parsers are not shareable);
 *   - then the parsed JSON is freed by all threads too.
 * A match depends only on the hub and the candidate text, and the released
 * files repeat many candidates (14,012 candidates, 5,143 distinct), so
 * results are memoized per hub, shared by the threads. */
#include "gorilla.h"
#include "base/error.h"
#include "base/hashmap.h"
#include "eval/matcher_internal.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define CHUNK 16
#define MAX_THREADS 64

typedef struct {
    int kind;       /* 0: hub store+pairs, 1: response file, 2: judge chunk */
    size_t index;   /* hub or job */
    size_t from, to;
} task;

typedef struct {
    const char *const *api_paths, *const *eval_paths;
    gorilla_match_mode mode;
    gorilla_eval_job *jobs;
    gorilla_records **recs;
    gorilla_store *store[GORILLA_HUB_COUNT];
    gorilla_pairs *pairs[GORILLA_HUB_COUNT];
    task *tasks;
    size_t n_tasks, next;
    /* judge chunks, queued as soon as a file and its hub are loaded */
    task *chunks;
    size_t n_chunks, cap_chunks, next_chunk, loads_done;
    int hub_loaded[GORILLA_HUB_COUNT];
    int *job_loaded, *job_queued;
    size_t n_jobs_total;
    pthread_mutex_t lock;
    pthread_cond_t cv;
    int failed;
    gorilla_error err;     /* first failure */
    gorilla_hashmap memo[GORILLA_HUB_COUNT]; /* candidate text -> (index+1) << 2 | parse */
    pthread_mutex_t memo_lock;
} batch;

static void record_failure(batch *b, const gorilla_error *e)
{
    pthread_mutex_lock(&b->lock);
    if (!b->failed) {
        b->failed = 1;
        b->err = *e;
    }
    pthread_cond_broadcast(&b->cv);
    pthread_mutex_unlock(&b->lock);
}

static int take(batch *b, size_t end, size_t *k)
{
    pthread_mutex_lock(&b->lock);
    int ok = !b->failed && b->next < end;
    if (ok) *k = b->next++;
    pthread_mutex_unlock(&b->lock);
    return ok;
}

static void run_load(batch *b, const task *t, gorilla_error *e)
{
    if (t->kind == 0) {
        if (gorilla_store_load(b->api_paths[t->index], &b->store[t->index], e) != GORILLA_OK ||
            gorilla_pairs_load(b->eval_paths[t->index], &b->pairs[t->index], e) != GORILLA_OK)
            record_failure(b, e);
        return;
    }
    gorilla_eval_job *j = &b->jobs[t->index];
    if (gorilla_records_load(j->path, &b->recs[t->index], e) != GORILLA_OK) {
        record_failure(b, e);
        return;
    }
    j->n = gorilla_records_count(b->recs[t->index]);
    j->verdicts = calloc(j->n ? j->n : 1, sizeof *j->verdicts);
    j->question_ids = malloc((j->n ? j->n : 1) * sizeof *j->question_ids);
    if (!j->verdicts || !j->question_ids) {
        gorilla_fail(e, GORILLA_ERR_NOMEM, "%s: out of memory", j->path);
        record_failure(b, e);
        return;
    }
    for (size_t i = 0; i < j->n; i++) j->question_ids[i] = gorilla_records_question_id(b->recs[t->index], i);
}

/* gorilla_matcher_judge, with the match memoized. */
static gorilla_status judge_one(batch *b, gorilla_matcher *m, gorilla_hub h, const char *text, const char *gold,
                                gorilla_verdict *v, gorilla_error *e)
{
    size_t start, len;
    v->api_index = -1;
    v->parse = GORILLA_PARSE_NONE;
    v->verdict = GORILLA_VERDICT_ERROR;
    if (!gorilla_candidate_extract(h, text, &start, &len)) return GORILLA_OK;
    int64_t val;
    pthread_mutex_lock(&b->memo_lock);
    int hit = gorilla_hashmap_get(&b->memo[h], text + start, len, &val);
    pthread_mutex_unlock(&b->memo_lock);
    if (hit) {
        v->api_index = (long)(val >> 2) - 1;
        v->parse = (gorilla_parse_kind)(val & 3);
    } else {
        v->api_index = gorilla_matcher_find(m, text + start, len, &v->parse);
        if (v->parse == GORILLA_PARSE_NONE)
            return gorilla_fail(e, GORILLA_ERR_NOMEM, "cannot parse a candidate call (out of memory)");
        val = ((int64_t)(v->api_index + 1) << 2) | (int64_t)v->parse;
        pthread_mutex_lock(&b->memo_lock);
        int bad = gorilla_hashmap_put(&b->memo[h], text + start, len, val) != 0;
        pthread_mutex_unlock(&b->memo_lock);
        if (bad) return gorilla_fail(e, GORILLA_ERR_NOMEM, "out of memory");
    }
    v->verdict = matcher_verdict(m, v->api_index, gold);
    return GORILLA_OK;
}

static void run_judge(batch *b, const task *t, gorilla_matcher **m, gorilla_error *e)
{
    gorilla_eval_job *j = &b->jobs[t->index];
    gorilla_hub h = j->hub;
    if (!m[h] && gorilla_matcher_new(b->store[h], h, b->mode, &m[h], e) != GORILLA_OK) {
        record_failure(b, e);
        return;
    }
    const gorilla_records *r = b->recs[t->index];
    const gorilla_pairs *p = b->pairs[h];
    size_t np = gorilla_pairs_count(p);
    for (size_t i = t->from; i < t->to; i++) {
        long q = j->question_ids[i];
        if (q < 1 || (size_t)q > np) {
            gorilla_fail(e, GORILLA_ERR_INVALID,
                         "%s:%zu: question_id %ld is out of range (the eval file has %zu pairs, ids 1..%zu)",
                         j->path, i + 1, q, np, np);
            record_failure(b, e);
            return;
        }
        const char *gold = gorilla_pairs_domain(p, (size_t)q - 1);
        if (!gold) {
            gorilla_fail(e, GORILLA_ERR_INVALID, "%s: pair %ld (for %s:%zu) has no api_data.domain string",
                         b->eval_paths[h], q, j->path, i + 1);
            record_failure(b, e);
            return;
        }
        if (judge_one(b, m[h], h, gorilla_records_text(r, i), gold, &j->verdicts[i], e) != GORILLA_OK) {
            record_failure(b, e);
            return;
        }
    }
}

/* Queues the chunks of every file whose responses and hub are loaded
 * (called with the lock held). Returns -1 when out of memory. */
static int queue_ready_locked(batch *b, size_t n_jobs)
{
    for (size_t i = 0; i < n_jobs; i++) {
        gorilla_eval_job *j = &b->jobs[i];
        if (b->job_queued[i] || !b->job_loaded[i] || !b->hub_loaded[j->hub]) continue;
        size_t need = b->n_chunks + (j->n + CHUNK - 1) / CHUNK;
        if (need > b->cap_chunks) {
            size_t cap = b->cap_chunks ? b->cap_chunks : 256;
            while (cap < need) cap *= 2;
            task *t = realloc(b->chunks, cap * sizeof *t);
            if (!t) return -1;
            b->chunks = t;
            b->cap_chunks = cap;
        }
        for (size_t from = 0; from < j->n; from += CHUNK)
            b->chunks[b->n_chunks++] = (task){2, i, from, from + CHUNK < j->n ? from + CHUNK : j->n};
        b->job_queued[i] = 1;
    }
    return 0;
}

/* Loads and judges: a thread takes the next file to load while there is
 * one, else the next queued chunk, else waits for a load to finish. */
static void *work_worker(void *arg)
{
    batch *b = arg;
    gorilla_error e = {0};
    gorilla_matcher *m[GORILLA_HUB_COUNT] = {0};
    pthread_mutex_lock(&b->lock);
    for (;;) {
        if (b->failed) break;
        if (b->next < b->n_tasks) {
            task t = b->tasks[b->next++];
            pthread_mutex_unlock(&b->lock);
            run_load(b, &t, &e);
            pthread_mutex_lock(&b->lock);
            if (t.kind == 0) b->hub_loaded[t.index] = 1;
            else b->job_loaded[t.index] = 1;
            b->loads_done++;
            if (queue_ready_locked(b, b->n_jobs_total) != 0 && !b->failed) {
                gorilla_fail(&b->err, GORILLA_ERR_NOMEM, "out of memory");
                b->failed = 1;
            }
            pthread_cond_broadcast(&b->cv);
            continue;
        }
        if (b->next_chunk < b->n_chunks) {
            task t = b->chunks[b->next_chunk++];
            pthread_mutex_unlock(&b->lock);
            run_judge(b, &t, m, &e);
            pthread_mutex_lock(&b->lock);
            continue;
        }
        if (b->loads_done == b->n_tasks) break;
        pthread_cond_wait(&b->cv, &b->lock);
    }
    pthread_cond_broadcast(&b->cv);
    pthread_mutex_unlock(&b->lock);
    for (int h = 0; h < GORILLA_HUB_COUNT; h++) gorilla_matcher_free(m[h]);
    return NULL;
}

static void *free_worker(void *arg)
{
    batch *b = arg;
    size_t k;
    while (take(b, b->n_tasks, &k)) {
        const task *t = &b->tasks[k];
        if (t->kind == 0) {
            gorilla_store_free(b->store[t->index]);
            gorilla_pairs_free(b->pairs[t->index]);
            b->store[t->index] = NULL;
            b->pairs[t->index] = NULL;
        } else {
            gorilla_records_free(b->recs[t->index]);
            b->recs[t->index] = NULL;
        }
    }
    return NULL;
}

/* Runs fn on `threads` threads (the caller being one of them). */
static void run_pool(batch *b, void *(*fn)(void *), int threads)
{
    pthread_t tid[MAX_THREADS];
    int started = 0;
    b->next = 0;
    for (int t = 1; t < threads; t++)
        if (pthread_create(&tid[started], NULL, fn, b) == 0) started++;
    fn(b);
    for (int t = 0; t < started; t++) pthread_join(tid[t], NULL);
}

void gorilla_eval_job_clear(gorilla_eval_job *job)
{
    if (!job) return;
    free(job->verdicts);
    free(job->question_ids);
    job->verdicts = NULL;
    job->question_ids = NULL;
    job->n = 0;
    memset(&job->tally, 0, sizeof job->tally);
}

gorilla_status gorilla_eval_batch(const char *const api_paths[GORILLA_HUB_COUNT],
                                  const char *const eval_paths[GORILLA_HUB_COUNT],
                                  gorilla_match_mode mode, gorilla_eval_job *jobs, size_t n_jobs,
                                  int threads, gorilla_error *err)
{
    if (threads < 1) threads = 1;
    if (threads > MAX_THREADS) threads = MAX_THREADS;
    batch b;
    memset(&b, 0, sizeof b);
    b.api_paths = api_paths;
    b.eval_paths = eval_paths;
    b.mode = mode;
    b.jobs = jobs;
    int need[GORILLA_HUB_COUNT] = {0};
    for (size_t i = 0; i < n_jobs; i++) {
        if ((unsigned)jobs[i].hub >= GORILLA_HUB_COUNT)
            return gorilla_fail(err, GORILLA_ERR_INVALID, "%s: unknown hub", jobs[i].path);
        if (!api_paths[jobs[i].hub] || !eval_paths[jobs[i].hub])
            return gorilla_fail(err, GORILLA_ERR_INVALID, "%s: no API or eval file given for hub %s",
                                jobs[i].path, gorilla_hub_name(jobs[i].hub));
        need[jobs[i].hub] = 1;
        gorilla_eval_job_clear(&jobs[i]);
    }
    b.recs = calloc(n_jobs ? n_jobs : 1, sizeof *b.recs);
    b.tasks = malloc((GORILLA_HUB_COUNT + n_jobs) * sizeof *b.tasks);
    if (!b.recs || !b.tasks) {
        free(b.recs);
        free(b.tasks);
        return gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory");
    }
    pthread_mutex_init(&b.lock, NULL);
    pthread_cond_init(&b.cv, NULL);
    pthread_mutex_init(&b.memo_lock, NULL);
    for (int h = 0; h < GORILLA_HUB_COUNT; h++) gorilla_hashmap_init(&b.memo[h]);

    /* Load and judge, overlapped: hubs first (their files are the largest),
     * then the response files; each file's chunks are queued as soon as it
     * and its hub are loaded. */
    for (int h = 0; h < GORILLA_HUB_COUNT; h++)
        if (need[h]) b.tasks[b.n_tasks++] = (task){0, (size_t)h, 0, 0};
        else b.hub_loaded[h] = 1;
    for (size_t i = 0; i < n_jobs; i++) b.tasks[b.n_tasks++] = (task){1, i, 0, 0};
    b.n_jobs_total = n_jobs;
    b.job_loaded = calloc(n_jobs ? n_jobs : 1, sizeof *b.job_loaded);
    b.job_queued = calloc(n_jobs ? n_jobs : 1, sizeof *b.job_queued);
    if (!b.job_loaded || !b.job_queued) {
        gorilla_fail(&b.err, GORILLA_ERR_NOMEM, "out of memory");
        b.failed = 1;
    } else {
        run_pool(&b, work_worker, threads);
    }
    free(b.job_loaded);
    free(b.job_queued);
    free(b.chunks);
    for (size_t i = 0; i < n_jobs && !b.failed; i++)
        for (size_t v = 0; v < jobs[i].n; v++) gorilla_tally_add(&jobs[i].tally, &jobs[i].verdicts[v]);

    /* Phase 3: free the parsed JSON (tens of MB of small objects) on every
     * thread too. */
    int failed = b.failed; /* take() stops on failure: clear it for this phase */
    b.n_tasks = 0;
    b.failed = 0;
    task *ft = realloc(b.tasks, (GORILLA_HUB_COUNT + n_jobs) * sizeof *ft);
    if (ft) {
        b.tasks = ft;
        for (int h = 0; h < GORILLA_HUB_COUNT; h++) b.tasks[b.n_tasks++] = (task){0, (size_t)h, 0, 0};
        for (size_t i = 0; i < n_jobs; i++) b.tasks[b.n_tasks++] = (task){1, i, 0, 0};
        run_pool(&b, free_worker, threads);
    }
    b.failed = failed;
    for (size_t i = 0; i < n_jobs; i++) gorilla_records_free(b.recs[i]); /* what is left (NULL-safe) */
    for (int h = 0; h < GORILLA_HUB_COUNT; h++) {
        gorilla_store_free(b.store[h]);
        gorilla_pairs_free(b.pairs[h]);
    }
    pthread_mutex_destroy(&b.lock);
    pthread_cond_destroy(&b.cv);
    pthread_mutex_destroy(&b.memo_lock);
    for (int h = 0; h < GORILLA_HUB_COUNT; h++) gorilla_hashmap_free(&b.memo[h]);
    free(b.recs);
    free(b.tasks);
    if (b.failed) {
        for (size_t i = 0; i < n_jobs; i++) gorilla_eval_job_clear(&jobs[i]);
        if (err) *err = b.err;
        return b.err.status ? b.err.status : GORILLA_ERR_INVALID;
    }
    return GORILLA_OK;
}
