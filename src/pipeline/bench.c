/* bench.c — resumable response files for `gorilla bench`: a rerun skips
 * the questions already answered and drops a torn last line, so a killed
 * run loses at most the answer in flight and never writes a duplicate. */
#include "gorilla.h"
#include "base/error.h"
#include "base/rng.h"
#include "pipeline/ask.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

gorilla_status gorilla_bench_resume(const char *path, long **ids_out, size_t *n_out, gorilla_error *err)
{
    *ids_out = NULL;
    *n_out = 0;
    int fd = open(path, O_RDWR | O_CREAT, 0644);
    if (fd < 0) return gorilla_fail(err, GORILLA_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    struct stat sb;
    if (fstat(fd, &sb) != 0) {
        close(fd);
        return gorilla_fail(err, GORILLA_ERR_IO, "%s: %s", path, strerror(errno));
    }
    size_t size = (size_t)sb.st_size;
    char *data = malloc(size + 1);
    if (!data) {
        close(fd);
        return gorilla_fail(err, GORILLA_ERR_NOMEM, "%s: out of memory", path);
    }
    size_t got = 0;
    while (got < size) {
        ssize_t r = pread(fd, data + got, size - got, (off_t)got);
        if (r <= 0) {
            if (r < 0 && errno == EINTR) continue;
            free(data);
            close(fd);
            return gorilla_fail(err, GORILLA_ERR_IO, "%s: read error", path);
        }
        got += (size_t)r;
    }
    data[size] = '\0';
    /* drop a torn last line */
    size_t keep = size;
    while (keep > 0 && data[keep - 1] != '\n') keep--;
    if (keep < size) {
        if (ftruncate(fd, (off_t)keep) != 0 || fsync(fd) != 0) {
            free(data);
            close(fd);
            return gorilla_fail(err, GORILLA_ERR_IO, "%s: cannot truncate the torn last line: %s", path,
                                strerror(errno));
        }
        data[keep] = '\0';
    }
    close(fd);
    long *ids = NULL;
    size_t n = 0, cap = 0, line = 0;
    gorilla_status st = GORILLA_OK;
    for (char *p = data; *p && st == GORILLA_OK;) {
        char *nl = strchr(p, '\n');
        *nl = '\0';
        line++;
        if (*p) {
            json_error_t je;
            json_t *o = json_loads(p, 0, &je);
            const json_t *q = o ? json_object_get(o, "question_id") : NULL;
            if (!json_is_integer(q)) {
                st = gorilla_fail(err, GORILLA_ERR_PARSE, "%s:%zu: %s", path, line,
                                  o ? "no integer question_id" : je.text);
            } else {
                if (n == cap) {
                    size_t nc = cap ? cap * 2 : 256;
                    long *g = realloc(ids, nc * sizeof *g);
                    if (g) {
                        ids = g;
                        cap = nc;
                    }
                }
                if (n < cap && ids) ids[n++] = (long)json_integer_value(q);
                else st = gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory");
            }
            json_decref(o);
        }
        p = nl + 1;
    }
    free(data);
    if (st != GORILLA_OK) {
        free(ids);
        return st;
    }
    *ids_out = ids;
    *n_out = n;
    return GORILLA_OK;
}

char *gorilla_bench_response_line(long question_id, const char *text, const char *model_id, uint64_t seed,
                                  const char *error)
{
    static const char ALPHA[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    char aid[23];
    uint64_t x = gorilla_rng_seed(seed ^ ((uint64_t)question_id * 0x9E3779B97F4A7C15ull));
    for (int i = 0; i < 22; i++) aid[i] = ALPHA[gorilla_rng_next(&x) % 62];
    aid[22] = '\0';
    json_t *o = json_object();
    if (!o) return NULL;
    json_object_set_new(o, "question_id", json_integer(question_id));
    json_object_set_new(o, "text", ask_json_string(text ? text : ""));
    json_object_set_new(o, "answer_id", json_string(aid));
    json_object_set_new(o, "model_id", ask_json_string(model_id ? model_id : ""));
    json_t *meta = json_object();
    if (meta && error) json_object_set_new(meta, "error", ask_json_string(error));
    json_object_set_new(o, "metadata", meta);
    char *s = json_dumps(o, JSON_PRESERVE_ORDER);
    json_decref(o);
    if (!s) return NULL;
    size_t len = strlen(s);
    char *line = realloc(s, len + 2);
    if (!line) {
        free(s);
        return NULL;
    }
    line[len] = '\n';
    line[len + 1] = '\0';
    return line;
}
