/* leak.c — the eval-leak guard: the normalised instructions of the APIBench
 * eval files, and the refusal of an eval file as training input. */
#include "dataset/dataset_internal.h"
#include "base/error.h"
#include "base/hashmap.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct gorilla_leakset {
    gorilla_hashmap texts;
    struct {
        dev_t dev;
        ino_t ino;
    } *files;
    size_t n_files;
};

gorilla_status gorilla_leakset_new(gorilla_leakset **out, gorilla_error *err)
{
    *out = calloc(1, sizeof **out);
    if (!*out) return gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory");
    gorilla_hashmap_init(&(*out)->texts);
    return GORILLA_OK;
}

void gorilla_leakset_free(gorilla_leakset *ls)
{
    if (!ls) return;
    gorilla_hashmap_free(&ls->texts);
    free(ls->files);
    free(ls);
}

size_t gorilla_leakset_count(const gorilla_leakset *ls) { return ls ? ls->texts.count : 0; }

gorilla_status gorilla_leakset_add_text(gorilla_leakset *ls, const char *instruction, gorilla_error *err)
{
    char *n = gorilla_text_normalize(instruction);
    if (!n) return gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory");
    int r = *n ? gorilla_hashmap_put(&ls->texts, n, strlen(n), 1) : 0;
    free(n);
    return r == 0 ? GORILLA_OK : gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory");
}

int gorilla_leakset_contains(const gorilla_leakset *ls, const char *instruction)
{
    if (!ls || !instruction) return 0;
    char *n = gorilla_text_normalize(instruction);
    if (!n) return 0;
    int64_t v;
    int hit = gorilla_hashmap_get(&ls->texts, n, strlen(n), &v);
    free(n);
    return hit;
}

gorilla_status gorilla_leakset_add_file(gorilla_leakset *ls, const char *path, gorilla_error *err)
{
    struct stat st;
    if (stat(path, &st) != 0) return gorilla_fail(err, GORILLA_ERR_IO, "%s: %s", path, strerror(errno));
    gorilla_pairs *pairs = NULL;
    gorilla_status s = gorilla_pairs_load(path, &pairs, err);
    if (s != GORILLA_OK) return s;
    for (size_t i = 0; i < gorilla_pairs_count(pairs) && s == GORILLA_OK; i++) {
        const char *code = gorilla_pairs_code(pairs, i);
        char *instr = code ? ds_code_instruction(code) : NULL;
        if (!instr) instr = gorilla_pairs_instruction(pairs, i);
        if (!instr) continue;
        s = gorilla_leakset_add_text(ls, instr, err);
        free(instr);
    }
    gorilla_pairs_free(pairs);
    if (s != GORILLA_OK) return s;
    void *g = realloc(ls->files, (ls->n_files + 1) * sizeof *ls->files);
    if (!g) return gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory");
    ls->files = g;
    ls->files[ls->n_files].dev = st.st_dev;
    ls->files[ls->n_files].ino = st.st_ino;
    ls->n_files++;
    return GORILLA_OK;
}

static int ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && strcmp(s + a - b, suffix) == 0;
}

gorilla_status gorilla_leakset_check_input(const gorilla_leakset *ls, const char *path, gorilla_error *err)
{
    if (ends_with(path, "_eval.json") || ends_with(path, "_eval.jsonl"))
        return gorilla_fail(err, GORILLA_ERR_INVALID,
                            "%s: an APIBench eval file is not training input (its questions are the test)", path);
    struct stat st;
    if (ls && stat(path, &st) == 0)
        for (size_t i = 0; i < ls->n_files; i++)
            if (ls->files[i].dev == st.st_dev && ls->files[i].ino == st.st_ino)
                return gorilla_fail(err, GORILLA_ERR_INVALID,
                                    "%s: this is one of the eval files given; it is not training input", path);
    return GORILLA_OK;
}
