/* evaluate.c — judging a response file, and totals. */
#include "gorilla.h"
#include "base/error.h"

#include <string.h>

const char *gorilla_verdict_name(gorilla_verdict_kind v)
{
    switch (v) {
    case GORILLA_VERDICT_CORRECT: return "correct";
    case GORILLA_VERDICT_HALLUCINATION: return "hallucination";
    case GORILLA_VERDICT_ERROR: return "error";
    }
    return "?";
}

void gorilla_tally_add(gorilla_tally *t, const gorilla_verdict *v)
{
    t->total++;
    switch (v->verdict) {
    case GORILLA_VERDICT_CORRECT: t->correct++; break;
    case GORILLA_VERDICT_HALLUCINATION: t->hallucination++; break;
    case GORILLA_VERDICT_ERROR: t->error++; break;
    }
    if (v->parse == GORILLA_PARSE_NONE) t->unparsed++;
}

gorilla_status gorilla_eval_records(gorilla_matcher *m, const gorilla_pairs *pairs,
                                    const gorilla_records *responses, const char *responses_name,
                                    gorilla_verdict *verdicts, gorilla_tally *tally,
                                    gorilla_error *err)
{
    size_t n = gorilla_records_count(responses), np = gorilla_pairs_count(pairs);
    memset(tally, 0, sizeof *tally);
    for (size_t i = 0; i < n; i++) {
        long q = gorilla_records_question_id(responses, i);
        if (q < 1 || (size_t)q > np)
            return gorilla_fail(err, GORILLA_ERR_INVALID,
                                "%s:%zu: question_id %ld is out of range (the eval file has %zu pairs, ids 1..%zu)",
                                responses_name, i + 1, q, np, np);
        const char *gold = gorilla_pairs_domain(pairs, (size_t)q - 1);
        if (!gold)
            return gorilla_fail(err, GORILLA_ERR_INVALID,
                                "eval pair %ld (for %s:%zu) has no api_data.domain string", q,
                                responses_name, i + 1);
        gorilla_status st = gorilla_matcher_judge(m, gorilla_records_text(responses, i), gold,
                                                  &verdicts[i], err);
        if (st != GORILLA_OK) {
            char where[512];
            snprintf(where, sizeof where, "%s:%zu", responses_name, i + 1);
            gorilla_error_prefix(err, where);
            return st;
        }
        gorilla_tally_add(tally, &verdicts[i]);
    }
    return GORILLA_OK;
}
