/* fuzz_dataset.c — libFuzzer target: the dataset parsers fed arbitrary
 * bytes: APIBench train lines, conversation files (FastChat JSON / JSON
 * lines, hf-chat), self-instruct examples and teacher answers; the first
 * byte picks the parser. */
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
    switch (data[0] % 4) {
    case 0: {
        gorilla_pairset *p = NULL;
        if (gorilla_pairset_new(&p, &err) != GORILLA_OK) return 0;
        (void)gorilla_pairset_load_buffer(p, "fuzz", text, len, &err);
        for (size_t i = 0; i < gorilla_pairset_count(p); i++) {
            const gorilla_train_pair *t = gorilla_pairset_get(p, i);
            if (!t->instruction || !t->answer) abort();
            char *line = gorilla_pair_apibench_line(t);
            free(line);
        }
        gorilla_pairset_free(p);
        break;
    }
    case 1: {
        gorilla_convset *c = NULL;
        if (gorilla_convset_new(&c, &err) != GORILLA_OK) return 0;
        (void)gorilla_convset_load_buffer(c, "fuzz", text, len, &err);
        gorilla_convset_free(c);
        break;
    }
    case 2: {
        gorilla_si_examples *ex = NULL;
        if (gorilla_si_examples_load_buffer("fuzz", text, len, &ex, &err) == GORILLA_OK) {
            char *p = gorilla_si_prompt(ex, "{\"api_call\": \"f()\"}", 3, 10, 1);
            free(p);
        }
        gorilla_si_examples_free(ex);
        break;
    }
    default: {
        char *s = malloc(len + 1);
        if (!s) return 0;
        memcpy(s, text, len);
        s[len] = '\0';
        gorilla_si_item *items = NULL;
        size_t n = 0, skipped = 0;
        if (gorilla_si_parse(s, &items, &n, &skipped, &err) == GORILLA_OK)
            for (size_t i = 0; i < n; i++)
                if (!items[i].instruction || !items[i].api_call || strlen(items[i].api_call) > len) abort();
        gorilla_si_items_free(items, n);
        (void)gorilla_text_jaccard(s, "find cars in photos");
        char *norm = gorilla_text_normalize(s);
        if (norm && strlen(norm) > len) abort();
        free(norm);
        free(s);
        break;
    }
    }
    return 0;
}
