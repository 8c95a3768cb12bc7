/* pool.h — a small fixed thread pool for data-parallel loops (internal).
 * Created once per model; each run splits [0, n) into one contiguous
 * chunk per thread, the calling thread taking the first. fn learns which
 * thread (0..size-1) runs it, to use that thread's own scratch. */
#ifndef GORILLA_LLM_POOL_H
#define GORILLA_LLM_POOL_H

#include <stddef.h>

typedef void (*llm_pool_fn)(void *ctx, size_t start, size_t end, int thread);
typedef struct llm_pool llm_pool;

/* n_threads counts the caller; 1 starts no thread. NULL on failure. */
llm_pool *llm_pool_new(int n_threads);
void llm_pool_free(llm_pool *pool);
int llm_pool_size(const llm_pool *pool);
/* Runs fn over [0, n) split across the threads; returns when all are done. */
void llm_pool_run(llm_pool *pool, llm_pool_fn fn, void *ctx, size_t n);

#endif
