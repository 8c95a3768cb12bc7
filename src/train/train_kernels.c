/* train_kernels.c — picks the trainer's kernel set: the engine's choice
 * (llm_kernels_choose on GORILLA_CPU, else the CPU's best). */
#include "train/train_kernels.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "llm/kernels/kernels.h"

static tr_kernels SETS[3];
static int have[3];
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void init_sets(void)
{
    tr_kernels_init_scalar(&SETS[0]);
    have[0] = 1;
    llm_cpu_level best = llm_cpu_detect();
    if (best >= LLM_CPU_AVX2) have[1] = tr_kernels_init_avx2(&SETS[1]);
    if (best >= LLM_CPU_AVX512) have[2] = tr_kernels_init_avx512(&SETS[2]);
}

const tr_kernels *tr_kernels_named(const char *name)
{
    pthread_once(&once, init_sets);
    for (int i = 0; i < 3; i++)
        if (have[i] && !strcmp(SETS[i].name, name)) return &SETS[i];
    return NULL;
}

const tr_kernels *tr_kernels_active(void)
{
    llm_kernels kn;
    const tr_kernels *k = NULL;
    if (llm_kernels_choose(getenv("GORILLA_CPU"), "GORILLA_CPU", &kn, NULL) == GORILLA_OK) k = tr_kernels_named(kn.name);
    return k ? k : tr_kernels_named("scalar");
}
