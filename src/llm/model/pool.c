/* pool.c — the thread pool: workers sleep on a condition variable between
 * runs; a generation counter tells them a new run has started. */
#include "llm/model/pool.h"

#include <pthread.h>
#include <stdlib.h>

typedef struct {
    llm_pool *pool;
    int index;
} worker_arg;

struct llm_pool {
    int n_threads;
    pthread_t *threads;
    worker_arg *args;
    pthread_mutex_t mu;
    pthread_cond_t start, done;
    unsigned long generation;
    int pending, stop;
    llm_pool_fn fn;
    void *ctx;
    size_t n;
};

static void chunk(const llm_pool *p, int i, size_t *s, size_t *e)
{
    size_t per = p->n / (size_t)p->n_threads, rem = p->n % (size_t)p->n_threads;
    size_t ui = (size_t)i;
    *s = ui * per + (ui < rem ? ui : rem);
    *e = *s + per + (ui < rem ? 1 : 0);
}

static void *worker(void *arg)
{
    worker_arg *a = arg;
    llm_pool *p = a->pool;
    unsigned long seen = 0;
    for (;;) {
        pthread_mutex_lock(&p->mu);
        while (!p->stop && p->generation == seen) pthread_cond_wait(&p->start, &p->mu);
        if (p->stop) {
            pthread_mutex_unlock(&p->mu);
            return NULL;
        }
        seen = p->generation;
        llm_pool_fn fn = p->fn;
        void *ctx = p->ctx;
        size_t s, e;
        chunk(p, a->index, &s, &e);
        pthread_mutex_unlock(&p->mu);
        if (s < e) fn(ctx, s, e, a->index);
        pthread_mutex_lock(&p->mu);
        if (--p->pending == 0) pthread_cond_signal(&p->done);
        pthread_mutex_unlock(&p->mu);
    }
}

llm_pool *llm_pool_new(int n_threads)
{
    if (n_threads < 1) n_threads = 1;
    llm_pool *p = calloc(1, sizeof *p);
    if (!p) return NULL;
    p->n_threads = n_threads;
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->start, NULL);
    pthread_cond_init(&p->done, NULL);
    if (n_threads > 1) {
        p->threads = calloc((size_t)n_threads, sizeof *p->threads);
        p->args = calloc((size_t)n_threads, sizeof *p->args);
        if (!p->threads || !p->args) {
            p->n_threads = 1;
            llm_pool_free(p);
            return NULL;
        }
        for (int i = 1; i < n_threads; i++) {
            p->args[i] = (worker_arg){p, i};
            if (pthread_create(&p->threads[i], NULL, worker, &p->args[i]) != 0) {
                p->n_threads = i; /* join the ones started */
                llm_pool_free(p);
                return NULL;
            }
        }
    }
    return p;
}

void llm_pool_free(llm_pool *p)
{
    if (!p) return;
    pthread_mutex_lock(&p->mu);
    p->stop = 1;
    pthread_cond_broadcast(&p->start);
    pthread_mutex_unlock(&p->mu);
    for (int i = 1; i < p->n_threads; i++) pthread_join(p->threads[i], NULL);
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->start);
    pthread_cond_destroy(&p->done);
    free(p->threads);
    free(p->args);
    free(p);
}

int llm_pool_size(const llm_pool *p) { return p->n_threads; }

void llm_pool_run(llm_pool *p, llm_pool_fn fn, void *ctx, size_t n)
{
    if (p->n_threads == 1 || n < 2) {
        if (n) fn(ctx, 0, n, 0);
        return;
    }
    pthread_mutex_lock(&p->mu);
    p->fn = fn;
    p->ctx = ctx;
    p->n = n;
    p->pending = p->n_threads - 1;
    p->generation++;
    pthread_cond_broadcast(&p->start);
    size_t s, e;
    chunk(p, 0, &s, &e);
    pthread_mutex_unlock(&p->mu);
    if (s < e) fn(ctx, s, e, 0);
    pthread_mutex_lock(&p->mu);
    while (p->pending > 0) pthread_cond_wait(&p->done, &p->mu);
    pthread_mutex_unlock(&p->mu);
}
