/* gorilla/base.h — Status and errors, hubs, the data root (part of the public API; include "gorilla.h"). */
#ifndef GORILLA_API_BASE_H
#define GORILLA_API_BASE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------ */
/* Status and errors                                                   */
/* ------------------------------------------------------------------ */

typedef enum {
    GORILLA_OK = 0,
    GORILLA_ERR_IO,          /* a file could not be opened, read or written */
    GORILLA_ERR_PARSE,       /* malformed input (JSON, GGUF, request, ...) */
    GORILLA_ERR_INVALID,     /* well-formed but wrong: missing field, bad value */
    GORILLA_ERR_NOMEM,       /* allocation failed */
    GORILLA_ERR_LIMIT,       /* input exceeds a documented limit */
    GORILLA_ERR_UNSUPPORTED, /* a valid but unsupported variant */
    GORILLA_ERR_NOT_FOUND    /* a named thing does not exist */
} gorilla_status;

/* Filled by failing functions. `message` is self-contained, e.g.
 * "data/x.jsonl:12:7: expected ',' or '}'". */
typedef struct {
    gorilla_status status;
    char message[1024];
} gorilla_error;

/* A short fixed name for a status ("io", "parse", ...). */
const char *gorilla_status_name(gorilla_status status);

/* The library's version string, e.g. "0.1.0". */
const char *gorilla_version(void);

/* ------------------------------------------------------------------ */
/* Hubs                                                                */
/* ------------------------------------------------------------------ */

typedef enum {
    GORILLA_HUB_TORCHHUB = 0,
    GORILLA_HUB_HUGGINGFACE = 1,
    GORILLA_HUB_TENSORFLOWHUB = 2,
    GORILLA_HUB_APIZOO = 3, /* APIZoo documents (REST and SDK calls); no eval pairs or responses */
    GORILLA_HUB_COUNT = 4
} gorilla_hub;
/* Hubs 0 .. GORILLA_APIBENCH_HUBS-1 are APIBench's, with eval/train pairs,
 * question files and released responses. */
#define GORILLA_APIBENCH_HUBS 3

/* Parses "torchhub"/"th", "huggingface"/"hf", "tensorflowhub"/"tf"
 * (also "tensorflow"), "apizoo"/"zoo". Returns 0 on success, -1 when unknown. */
int gorilla_hub_parse(const char *name, gorilla_hub *out);
/* Long name ("torchhub"), short name ("th"). */
const char *gorilla_hub_name(gorilla_hub hub);
const char *gorilla_hub_short(gorilla_hub hub);

/* ------------------------------------------------------------------ */
/* Data root: files of an APIBench-shaped folder, found by hub         */
/* ------------------------------------------------------------------ */

typedef enum {
    GORILLA_FILE_API,       /* api/<hub>_api.jsonl; APIZoo: the folder apizoo/ */
    GORILLA_FILE_EVAL,      /* apibench/<torchhub|huggingface|tensorflow>_eval.json */
    GORILLA_FILE_TRAIN,     /* apibench/<...>_train.json (TorchHub only here) */
    GORILLA_FILE_QUESTIONS, /* questions/<hub>/questions_<hub>_<setting>.jsonl */
    GORILLA_FILE_RESPONSES  /* responses/<hub>/response_<hub>_<model>_<setting>.jsonl */
} gorilla_file_kind;

/* Picks the data root: `explicit_root` when non-NULL, else $GORILLA_DATA.
 * Returns NULL (and fills err) when neither is set. */
const char *gorilla_data_root(const char *explicit_root, gorilla_error *err);

/* Writes the path of a file of the data root into `out` (size `cap`).
 * `setting` is used for questions and responses ("0_shot", "bm25", ...),
 * `model` for responses ("Gorilla_FT"); pass NULL otherwise. */
gorilla_status gorilla_data_path(const char *root, gorilla_hub hub, gorilla_file_kind kind,
                                 const char *model, const char *setting, char *out, size_t cap,
                                 gorilla_error *err);

/* Infers hub, model and setting from a response file name
 * `response_<hub>_<model>_<setting>.jsonl` (the model may contain '_';
 * the setting is one of 0_shot, bm25, gpt_index, oracle). Copies model and
 * setting into the given buffers. Returns 0, or -1 when the name does not fit. */
int gorilla_response_name_parse(const char *path, gorilla_hub *hub, char *model, size_t model_cap,
                                char *setting, size_t setting_cap);

#ifdef __cplusplus
}
#endif
#endif /* GORILLA_API_BASE_H */
