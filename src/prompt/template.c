/* template.c — the Gorilla prompt formats: the chat template of the
 * published Gorilla LLaMA models and the evaluation prompt given to general
 * chat models (system + user message asking for <<<field>>> answers). */
#include "prompt/template.h"
#include "base/pybuf.h"
#include "base/error.h"

#include <stdlib.h>
#include <string.h>

static char *take(pybuf *b)
{
    if (b->oom) {
        pybuf_free(b);
        return NULL;
    }
    if (!b->p) pybuf_append(b, "", 0);
    return pybuf_take(b);
}

char *gorilla_prompt_with_doc(const char *instruction, const char *document)
{
    pybuf b;
    pybuf_init(&b);
    pybuf_puts(&b, instruction ? instruction : "");
    if (document) {
        pybuf_puts(&b, GORILLA_PROMPT_DOC_SEP);
        pybuf_puts(&b, document);
    }
    return take(&b);
}

char *gorilla_prompt_gorilla_chat(const char *user_text)
{
    pybuf b;
    pybuf_init(&b);
    pybuf_puts(&b, "###USER: ");
    pybuf_puts(&b, user_text ? user_text : "");
    pybuf_puts(&b, "\n###ASSISTANT: ");
    return take(&b);
}

const char *gorilla_prompt_eval_system(void)
{
    return "You are a helpful API writer who can write APIs based on requirements.";
}

void gorilla_strings_free(char **s, size_t n)
{
    if (!s) return;
    for (size_t i = 0; i < n; i++) free(s[i]);
    free(s);
}

gorilla_status gorilla_store_domains(const gorilla_store *store, char ***out, size_t *n_out,
                                     gorilla_error *err)
{
    *out = NULL;
    *n_out = 0;
    size_t n = 0, cap = 0;
    char **list = NULL;
    size_t count = store ? gorilla_store_count(store) : 0;
    for (size_t i = 0; i < count; i++) {
        const char *d = gorilla_store_field(store, i, "domain");
        if (!d || !*d) continue;
        int seen = 0;
        for (size_t k = 0; k < n && !seen; k++) seen = strcmp(list[k], d) == 0;
        if (seen) continue;
        if (n == cap) {
            size_t nc = cap ? cap * 2 : 16;
            char **g = realloc(list, nc * sizeof *g);
            if (!g) goto oom;
            list = g;
            cap = nc;
        }
        list[n] = strdup(d);
        if (!list[n]) goto oom;
        n++;
    }
    *out = list;
    *n_out = n;
    return GORILLA_OK;
oom:
    gorilla_strings_free(list, n);
    return gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory listing domains");
}

char *gorilla_prompt_eval_user(gorilla_hub hub, const char *question, const char *const *domains,
                               size_t n_domains)
{
    pybuf b;
    pybuf_init(&b);
    pybuf_puts(&b, question ? question : "");
    pybuf_puts(&b, "\nWrite a python program in 1 to 2 lines to call API in ");
    pybuf_puts(&b, gorilla_hub_name(hub));
    pybuf_puts(&b, ".\n\nThe answer should follow the format: <<<domain>>> $DOMAIN, <<<api_call>>>: $API_CALL, "
                   "<<<api_provider>>>: $API_PROVIDER, <<<explanation>>>: $EXPLANATION, <<<code>>>: $CODE}. "
                   "Here are the requirements:\n1. $DOMAIN should include one of {");
    for (size_t i = 0; i < n_domains; i++) {
        if (i) pybuf_puts(&b, ", ");
        pybuf_puts(&b, domains[i]);
    }
    pybuf_puts(&b, "}.\n2. The $API_CALL should have only 1 line of code that calls api.\n"
                   "3. The $API_PROVIDER should be the programming framework used.\n"
                   "4. $EXPLANATION should be a step-by-step explanation.\n"
                   "5. The $CODE is the python code.\n"
                   "6. Do not repeat the format in your answer.");
    return take(&b);
}
