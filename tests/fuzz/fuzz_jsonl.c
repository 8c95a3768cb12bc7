/* fuzz_jsonl.c — libFuzzer target: the JSON-lines loaders (API documents,
 * eval pairs, questions/responses) on arbitrary bytes. The first byte picks
 * the loader; the rest is the file. Loads must fail cleanly or succeed, and
 * every accessor must be safe on what loaded. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gorilla.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    const char *text = (const char *)data + 1;
    size_t len = size - 1;
    gorilla_error err;
    switch (data[0] % 3) {
    case 0: {
        gorilla_store *s;
        if (gorilla_store_load_buffer("fuzz", text, len, &s, &err) != GORILLA_OK) return 0;
        for (size_t i = 0; i < gorilla_store_count(s); i++) {
            (void)gorilla_store_field(s, i, "api_call");
            free(gorilla_store_doc_json(s, i));
        }
        for (int h = 0; h < GORILLA_HUB_COUNT; h++) {
            gorilla_matcher *m;
            if (gorilla_matcher_new(s, (gorilla_hub)h, (gorilla_match_mode)(h & 1), &m, &err) == GORILLA_OK) {
                gorilla_parse_kind pk;
                (void)gorilla_matcher_find(m, "f(x='a', 'b')", 13, &pk);
                gorilla_matcher_free(m);
            }
        }
        gorilla_store_free(s);
        break;
    }
    case 1: {
        gorilla_pairs *p;
        if (gorilla_pairs_load_buffer("fuzz", text, len, &p, &err) != GORILLA_OK) return 0;
        for (size_t i = 0; i < gorilla_pairs_count(p); i++) {
            (void)gorilla_pairs_domain(p, i);
            (void)gorilla_pairs_api_call(p, i);
            free(gorilla_pairs_instruction(p, i));
        }
        gorilla_pairs_free(p);
        break;
    }
    default: {
        gorilla_records *r;
        if (gorilla_records_load_buffer("fuzz", text, len, &r, &err) != GORILLA_OK) return 0;
        for (size_t i = 0; i < gorilla_records_count(r); i++) {
            (void)gorilla_records_question_id(r, i);
            (void)gorilla_records_text(r, i);
            (void)gorilla_records_field(r, i, "answer_id");
        }
        gorilla_records_free(r);
        break;
    }
    }
    return 0;
}
