/* fuzz_eval.c — libFuzzer target: the evaluator fed arbitrary model output.
 * The input is a response text, judged in compatible and strict mode for
 * each hub against a small fixed store; also used as a raw candidate. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gorilla.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char DOCS[] =
    "{\"domain\": \"A\", \"api_call\": \"torch.hub.load(repo_or_dir='pytorch/vision', model='resnet50', pretrained=True)\"}\n"
    "{\"domain\": \"B\", \"api_call\": \"pipeline('fill-mask', model='bert-base-uncased')\"}\n"
    "{\"domain\": \"C\", \"api_call\": \"hub.KerasLayer('https://tfhub.dev/google/a/1')\"}\n"
    "{\"domain\": \"D\", \"api_call\": \"./run.sh --download_model mio/amadeus\"}\n"
    "{\"domain\": \"E\", \"api_call\": \"f(x='', y=g(model=1))\"}\n"
    "{\"domain\": \"F\", \"api_call\": \"\"}\n";

static gorilla_store *store;
static gorilla_matcher *matchers[GORILLA_HUB_COUNT][2];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    gorilla_error err;
    if (!store) {
        if (gorilla_store_load_buffer("docs", DOCS, strlen(DOCS), &store, &err) != GORILLA_OK) abort();
        for (int h = 0; h < GORILLA_HUB_COUNT; h++)
            for (int mode = 0; mode < 2; mode++)
                if (gorilla_matcher_new(store, (gorilla_hub)h, (gorilla_match_mode)mode, &matchers[h][mode], &err) != GORILLA_OK)
                    abort();
    }
    char *text = malloc(size + 1);
    if (!text) return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    for (int h = 0; h < GORILLA_HUB_COUNT; h++)
        for (int mode = 0; mode < 2; mode++) {
            gorilla_verdict v;
            if (gorilla_matcher_judge(matchers[h][mode], text, "A", &v, &err) == GORILLA_OK &&
                (v.api_index < -1 || v.api_index >= 6))
                abort();
            gorilla_parse_kind pk;
            long i = gorilla_matcher_find(matchers[h][mode], (const char *)data, size, &pk);
            if (i < -1 || i >= 6) abort();
        }
    free(text);
    return 0;
}
