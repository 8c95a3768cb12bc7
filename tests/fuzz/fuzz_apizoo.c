/* fuzz_apizoo.c — libFuzzer target: APIZoo files (a JSON list of API
 * entries) on arbitrary bytes, then the APIZoo call matcher and the
 * retriever on what loaded. The input is forced to start with '[' so that
 * the APIZoo reader (not the JSON-lines one) runs. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gorilla.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 2);
    if (!text) return 0;
    text[0] = '[';
    memcpy(text + 1, data, size);
    text[size + 1] = '\0';
    gorilla_error err;
    gorilla_store *s = NULL;
    if (gorilla_store_load_buffer("fuzz.json", text, size + 1, &s, &err) == GORILLA_OK) {
        for (size_t i = 0; i < gorilla_store_skipped_count(s); i++) (void)strlen(gorilla_store_skipped(s, i));
        gorilla_matcher *m = NULL;
        if (gorilla_matcher_new(s, GORILLA_HUB_APIZOO, GORILLA_MATCH_COMPATIBLE, &m, &err) == GORILLA_OK) {
            for (size_t i = 0; i < gorilla_store_count(s); i++) {
                const char *call = gorilla_store_field(s, i, "api_call");
                if (call) (void)gorilla_matcher_find(m, call, strlen(call), NULL);
            }
            /* the input itself as a candidate answer */
            gorilla_verdict v;
            (void)gorilla_matcher_judge(m, text + 1, "x", &v, &err);
            gorilla_matcher_free(m);
        }
        gorilla_retriever *r = NULL;
        if (gorilla_retriever_new(s, NULL, &r, &err) == GORILLA_OK) {
            gorilla_hit hits[3];
            size_t n;
            (void)gorilla_retriever_search(r, "get the meeting details", 3, hits, &n, &err);
            gorilla_retriever_free(r);
        }
        gorilla_store_free(s);
    }
    free(text);
    return 0;
}
