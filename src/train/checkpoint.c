/* checkpoint.c — trainer checkpoints: one little-endian file
 *
 *   u64 magic "GRLCKPT1", u32 version, u32 0,
 *   i32 vocab, dim, layers, heads, kv heads, ff, ctx, tied,
 *   u64 n_params, i64 step, u64 epoch, u64 cursor, u64 seed, u64 rng,
 *   u64 data hash, u64 training rows,
 *   f32 params[n], f32 m[n], f32 v[n],
 *   u64 FNV-1a of everything before it,
 *
 * written to PATH.tmp, fsync'd, renamed over PATH and the directory
 * fsync'd: a crash leaves the old checkpoint or the new one, whole. */
#include "train/trainer_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/error.h"

#define MAGIC 0x3154504B434C5247ULL /* "GRLCKPT1" */
#define VERSION 1u
#define HEADER_BYTES (8 + 4 + 4 + 8 * 4 + 8 * 8)

typedef struct {
    uint64_t h;
    FILE *f;
    int bad;
} wstream;

static void put(wstream *w, const void *p, size_t n)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++) w->h = (w->h ^ b[i]) * 0x100000001B3ULL;
    if (fwrite(p, 1, n, w->f) != n) w->bad = 1;
}

static void header_fields(const gorilla_trainer *t, uint8_t *hdr)
{
    const tr_config *c = &t->lay.cfg;
    uint64_t magic = MAGIC;
    uint32_t ver[2] = {VERSION, 0};
    int32_t cfg[8] = {c->n_vocab, c->n_embd, c->n_layer, c->n_head, c->n_head_kv, c->n_ff, c->n_ctx, c->tied};
    uint64_t u[8] = {t->lay.n_params, (uint64_t)t->step, t->epoch, t->cursor, t->o.seed, t->rng, t->data_hash,
                     t->train.n_rows};
    memcpy(hdr, &magic, 8);
    memcpy(hdr + 8, ver, 8);
    memcpy(hdr + 16, cfg, 32);
    memcpy(hdr + 48, u, 64);
}

gorilla_status gorilla_trainer_save(const gorilla_trainer *t, const char *path, gorilla_error *err)
{
    size_t plen = strlen(path);
    char *tmp = malloc(plen + 5);
    if (!tmp) return gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory");
    snprintf(tmp, plen + 5, "%s.tmp", path);
    wstream w = {.h = 0xCBF29CE484222325ULL, .f = fopen(tmp, "wb")};
    if (!w.f) {
        gorilla_status st = gorilla_fail(err, GORILLA_ERR_IO, "%s: cannot write: %s", tmp, strerror(errno));
        free(tmp);
        return st;
    }
    uint8_t hdr[HEADER_BYTES];
    header_fields(t, hdr);
    put(&w, hdr, sizeof hdr);
    size_t n = t->lay.n_params * sizeof(float);
    put(&w, t->params, n);
    put(&w, t->m, n);
    put(&w, t->v, n);
    uint64_t h = w.h;
    put(&w, &h, 8);
    if (fflush(w.f) || fsync(fileno(w.f))) w.bad = 1;
    if (fclose(w.f)) w.bad = 1;
    if (w.bad || rename(tmp, path)) {
        gorilla_status st = gorilla_fail(err, GORILLA_ERR_IO, "%s: cannot write the checkpoint: %s", path,
                                         strerror(errno));
        unlink(tmp);
        free(tmp);
        return st;
    }
    /* the rename itself reaches the disk with the directory */
    char *dcopy = strdup(path);
    if (dcopy) {
        int dfd = open(dirname(dcopy), O_RDONLY | O_DIRECTORY);
        if (dfd >= 0) {
            (void)fsync(dfd);
            close(dfd);
        }
        free(dcopy);
    }
    free(tmp);
    return GORILLA_OK;
}

gorilla_status gorilla_trainer_resume(gorilla_trainer *t, const char *path, gorilla_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f) return gorilla_fail(err, GORILLA_ERR_IO, "%s: cannot open the checkpoint: %s", path, strerror(errno));
    size_t P = t->lay.n_params, n = P * sizeof(float), want = HEADER_BYTES + 3 * n + 8;
    uint8_t *buf = malloc(want + 1);
    if (!buf) {
        fclose(f);
        return gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory");
    }
    size_t got = fread(buf, 1, want + 1, f);
    fclose(f);
    gorilla_status st = GORILLA_OK;
    uint64_t magic;
    uint32_t ver;
    memcpy(&magic, buf, got >= 8 ? 8 : 0);
    if (got < HEADER_BYTES || magic != MAGIC) {
        st = gorilla_fail(err, GORILLA_ERR_PARSE, "%s: not a gorilla training checkpoint", path);
        goto done;
    }
    memcpy(&ver, buf + 8, 4);
    if (ver != VERSION) {
        st = gorilla_fail(err, GORILLA_ERR_UNSUPPORTED, "%s: checkpoint version %u (this build reads %u)", path, ver,
                          VERSION);
        goto done;
    }
    uint8_t mine[HEADER_BYTES];
    header_fields(t, mine);
    int32_t cfg[8], cur[8];
    memcpy(cfg, buf + 16, 32);
    memcpy(cur, mine + 16, 32);
    if (memcmp(cfg, cur, 32) != 0) {
        st = gorilla_fail(err, GORILLA_ERR_INVALID,
                          "%s: the checkpoint is for another model (vocab %d, dim %d, layers %d, heads %d/%d, ff %d, "
                          "ctx %d, tied %d; this run: %d, %d, %d, %d/%d, %d, %d, %d)",
                          path, cfg[0], cfg[1], cfg[2], cfg[3], cfg[4], cfg[5], cfg[6], cfg[7], cur[0], cur[1], cur[2],
                          cur[3], cur[4], cur[5], cur[6], cur[7]);
        goto done;
    }
    uint64_t u[8];
    memcpy(u, buf + 48, 64);
    if (u[0] != P || u[4] != t->o.seed || u[6] != t->data_hash || u[7] != t->train.n_rows) {
        st = gorilla_fail(err, GORILLA_ERR_INVALID,
                          "%s: the checkpoint was made with other training data or seed (resume with the same "
                          "--data, validation split and --seed)",
                          path);
        goto done;
    }
    if (got != want) {
        st = gorilla_fail(err, GORILLA_ERR_PARSE, "%s: the checkpoint is %s (%zu bytes, expected %zu)", path,
                          got < want ? "truncated" : "too long", got, want);
        goto done;
    }
    uint64_t h = 0xCBF29CE484222325ULL, stored;
    for (size_t i = 0; i < want - 8; i++) h = (h ^ buf[i]) * 0x100000001B3ULL;
    memcpy(&stored, buf + want - 8, 8);
    if (h != stored) {
        st = gorilla_fail(err, GORILLA_ERR_PARSE, "%s: the checkpoint is corrupt (checksum mismatch)", path);
        goto done;
    }
    if (u[3] > t->train.n_rows || u[1] > (uint64_t)INT64_MAX) {
        st = gorilla_fail(err, GORILLA_ERR_PARSE, "%s: the checkpoint's data position is out of range", path);
        goto done;
    }
    memcpy(t->params, buf + HEADER_BYTES, n);
    memcpy(t->m, buf + HEADER_BYTES + n, n);
    memcpy(t->v, buf + HEADER_BYTES + 2 * n, n);
    t->step = (long)u[1];
    t->epoch = u[2];
    t->cursor = u[3];
    tr_shuffle(t);
    if (t->rng != u[5]) st = gorilla_fail(err, GORILLA_ERR_INVALID, "%s: the checkpoint's RNG state does not match", path);
done:
    free(buf);
    return st;
}
