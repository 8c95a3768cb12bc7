/* fuzz_bfcl_decode.c — libFuzzer target: BFCL's call decoders (Python,
 * Java and JavaScript call text, FC result JSON) on arbitrary bytes, and
 * the checker behind them (with the Java/JavaScript type converters) on
 * whatever decodes. The first byte picks the path; the rest is the input.
 * Decoding must succeed or fail cleanly; checking must give a verdict. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gorilla.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const ENTRY[3] = {
    "{\"id\": \"simple_java_0\", \"function\": [{\"name\": \"A.b\", \"parameters\": {\"type\": \"dict\", \"properties\": "
    "{\"m\": {\"type\": \"HashMap\"}, \"l\": {\"type\": \"ArrayList\", \"items\": {\"type\": \"integer\"}}, \"a\": "
    "{\"type\": \"Array\", \"items\": {\"type\": \"String\"}}, \"f\": {\"type\": \"float\"}, \"n\": {\"type\": "
    "\"long\"}}, \"required\": []}}]}",
    "{\"id\": \"simple_javascript_0\", \"function\": [{\"name\": \"f\", \"parameters\": {\"type\": \"dict\", "
    "\"properties\": {\"d\": {\"type\": \"dict\"}, \"a\": {\"type\": \"array\", \"items\": {\"type\": \"integer\"}}, "
    "\"s\": {\"type\": \"String\"}, \"b\": {\"type\": \"Bigint\"}}, \"required\": []}}]}",
    "{\"id\": \"parallel_0\", \"function\": [{\"name\": \"f\", \"parameters\": {\"type\": \"dict\", \"properties\": "
    "{\"x\": {\"type\": \"array\", \"items\": {\"type\": \"dict\"}}, \"s\": {\"type\": \"string\"}, \"t\": {\"type\": "
    "\"tuple\", \"items\": {\"type\": \"float\"}}}, \"required\": [\"s\"]}}]}",
};
static const char *const ANSWER[3] = {
    "{\"id\": \"simple_java_0\", \"ground_truth\": [{\"A.b\": {\"m\": [{\"k\": [1]}, \"\"], \"l\": [[1, 2], \"\"], "
    "\"a\": [[\"x\"], \"\"], \"f\": [1.5, \"\"], \"n\": [3, \"\"]}}]}",
    "{\"id\": \"simple_javascript_0\", \"ground_truth\": [{\"f\": {\"d\": [{\"k\": [1]}, \"\"], \"a\": [[1], \"\"], "
    "\"s\": [\"x\", \"\"], \"b\": [5, \"\"]}}]}",
    "{\"id\": \"parallel_0\", \"ground_truth\": [{\"f\": {\"s\": [\"a\"], \"x\": [[{\"k\": [1]}], \"\"], \"t\": "
    "[[1.0, 2.0], \"\"]}}, {\"f\": {\"s\": [\"b\", \"B\"]}}]}",
};
static const char *const CATEGORY[3] = {"simple_java", "simple_javascript", "parallel"};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    const char *text = (const char *)data + 1;
    size_t len = size - 1;
    int mode = data[0] % 7;
    if (mode < 4) {
        static const char *const LANG[4] = {"python", "java", "javascript", "fc"};
        char *out = NULL;
        gorilla_error err;
        if (gorilla_bfcl_decode(LANG[mode], text, len, &out, &err) == GORILLA_OK) {
            if (!out) abort();
            free(out);
        } else if (out) abort();
        return 0;
    }
    /* the input as the "result" of one entry: FC JSON, or (mode 6) prompting text */
    char *res = malloc(len * 2 + 64);
    if (!res) return 0;
    size_t k = 0;
    k += (size_t)sprintf(res, "{\"id\": \"%s_0\", \"result\": ", CATEGORY[mode - 4]);
    if (mode == 6) {
        res[k++] = '"';
        for (size_t i = 0; i < len; i++) {
            unsigned char ch = (unsigned char)text[i];
            if (ch == '"' || ch == '\\') res[k++] = '\\';
            res[k++] = ch < 0x20 ? ' ' : (char)ch;
        }
        res[k++] = '"';
    } else {
        for (size_t i = 0; i < len; i++) res[k++] = text[i] ? text[i] : ' ';
    }
    strcpy(res + k, "}");
    gorilla_bfcl_opts o = {.strict = data[0] & 0x80 ? 1 : 0, .format = mode == 6 ? GORILLA_BFCL_PROMPT : GORILLA_BFCL_FC};
    gorilla_bfcl_verdict v;
    gorilla_error err;
    int e = mode - 4;
    if (gorilla_bfcl_check_entry(CATEGORY[e], ENTRY[e], ANSWER[e], res, &o, &v, &err) == GORILLA_OK) {
        if (!v.valid && !v.score_line) abort();
        gorilla_bfcl_verdict_clear(&v);
    }
    free(res);
    return 0;
}
