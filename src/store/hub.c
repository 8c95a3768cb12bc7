/* hub.c — hub names and the data root's file layout. */
#include "gorilla.h"
#include "base/error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char *const LONG_NAMES[GORILLA_HUB_COUNT] = {"torchhub", "huggingface", "tensorflowhub", "apizoo"};
static const char *const SHORT_NAMES[GORILLA_HUB_COUNT] = {"th", "hf", "tf", "zoo"};
/* The eval/train files use "tensorflow", not "tensorflowhub". */
static const char *const PAIR_NAMES[GORILLA_HUB_COUNT] = {"torchhub", "huggingface", "tensorflow", "apizoo"};

int gorilla_hub_parse(const char *name, gorilla_hub *out)
{
    if (!name) return -1;
    for (int h = 0; h < GORILLA_HUB_COUNT; h++) {
        if (strcmp(name, LONG_NAMES[h]) == 0 || strcmp(name, SHORT_NAMES[h]) == 0 ||
            strcmp(name, PAIR_NAMES[h]) == 0) {
            *out = (gorilla_hub)h;
            return 0;
        }
    }
    return -1;
}

const char *gorilla_hub_name(gorilla_hub hub)
{
    return (unsigned)hub < GORILLA_HUB_COUNT ? LONG_NAMES[hub] : "?";
}

const char *gorilla_hub_short(gorilla_hub hub)
{
    return (unsigned)hub < GORILLA_HUB_COUNT ? SHORT_NAMES[hub] : "?";
}

const char *gorilla_data_root(const char *explicit_root, gorilla_error *err)
{
    if (explicit_root && *explicit_root) return explicit_root;
    const char *env = getenv("GORILLA_DATA");
    if (env && *env) return env;
    gorilla_fail(err, GORILLA_ERR_NOT_FOUND,
                 "no data root: pass --data DIR or set GORILLA_DATA (a folder laid out like APIBench)");
    return NULL;
}

gorilla_status gorilla_data_path(const char *root, gorilla_hub hub, gorilla_file_kind kind,
                                 const char *model, const char *setting, char *out, size_t cap,
                                 gorilla_error *err)
{
    if ((unsigned)hub >= GORILLA_HUB_COUNT)
        return gorilla_fail(err, GORILLA_ERR_INVALID, "unknown hub %d", (int)hub);
    const char *h = LONG_NAMES[hub];
    int n;
    if (hub == GORILLA_HUB_APIZOO && kind != GORILLA_FILE_API)
        return gorilla_fail(err, GORILLA_ERR_NOT_FOUND, "APIZoo has API documents only (no eval pairs, questions or responses)");
    if (hub == GORILLA_HUB_APIZOO) {
        n = snprintf(out, cap, "%s/apizoo", root);
        if (n < 0 || (size_t)n >= cap) return gorilla_fail(err, GORILLA_ERR_LIMIT, "path under %s too long", root);
        return GORILLA_OK;
    }
    switch (kind) {
    case GORILLA_FILE_API:
        n = snprintf(out, cap, "%s/api/%s_api.jsonl", root, h);
        break;
    case GORILLA_FILE_EVAL:
        n = snprintf(out, cap, "%s/apibench/%s_eval.json", root, PAIR_NAMES[hub]);
        break;
    case GORILLA_FILE_TRAIN:
        n = snprintf(out, cap, "%s/apibench/%s_train.json", root, PAIR_NAMES[hub]);
        break;
    case GORILLA_FILE_QUESTIONS:
        if (!setting) return gorilla_fail(err, GORILLA_ERR_INVALID, "questions file needs a setting");
        n = snprintf(out, cap, "%s/questions/%s/questions_%s_%s.jsonl", root, h, h, setting);
        break;
    case GORILLA_FILE_RESPONSES:
        if (!setting || !model)
            return gorilla_fail(err, GORILLA_ERR_INVALID, "responses file needs a model and a setting");
        n = snprintf(out, cap, "%s/responses/%s/response_%s_%s_%s.jsonl", root, h, h, model, setting);
        break;
    default:
        return gorilla_fail(err, GORILLA_ERR_INVALID, "unknown file kind %d", (int)kind);
    }
    if (n < 0 || (size_t)n >= cap) return gorilla_fail(err, GORILLA_ERR_LIMIT, "path under %s too long", root);
    return GORILLA_OK;
}

static const char *const SETTINGS[] = {"0_shot", "bm25", "gpt_index", "oracle"};

int gorilla_response_name_parse(const char *path, gorilla_hub *hub, char *model, size_t model_cap,
                                char *setting, size_t setting_cap)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    const char *prefix = "response_";
    size_t plen = strlen(prefix);
    if (strncmp(base, prefix, plen) != 0) return -1;
    const char *rest = base + plen;
    size_t len = strlen(rest);
    const char *ext = ".jsonl";
    if (len < strlen(ext) || strcmp(rest + len - strlen(ext), ext) != 0) return -1;
    len -= strlen(ext);
    const char *us = memchr(rest, '_', len);
    if (!us) return -1;
    char hubname[32];
    size_t hl = (size_t)(us - rest);
    if (hl >= sizeof hubname) return -1;
    memcpy(hubname, rest, hl);
    hubname[hl] = '\0';
    if (gorilla_hub_parse(hubname, hub) != 0) return -1;
    const char *m = us + 1;
    size_t mlen = len - hl - 1;
    for (size_t s = 0; s < sizeof SETTINGS / sizeof SETTINGS[0]; s++) {
        size_t sl = strlen(SETTINGS[s]);
        if (mlen > sl + 1 && m[mlen - sl - 1] == '_' && memcmp(m + mlen - sl, SETTINGS[s], sl) == 0) {
            size_t ml = mlen - sl - 1;
            if (ml >= model_cap || sl >= setting_cap) return -1;
            memcpy(model, m, ml);
            model[ml] = '\0';
            memcpy(setting, SETTINGS[s], sl + 1);
            return 0;
        }
    }
    return -1;
}
