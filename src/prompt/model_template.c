/* model_template.c — each published Gorilla model's prompt, and picking
 * one from a GGUF file's metadata.
 *
 * The strings are those of the Gorilla repository's inference code:
 *   gorilla-v0        inference/gorilla_eval.py and this project's chat
 *                     template: "###USER: " + text + "\n###ASSISTANT: "
 *                     (a document: text + " \n Use this API documentation
 *                     for reference: " + str(doc));
 *   openfunctions-v1  openfunctions/openfunctions-v1 (v0 and v1 models):
 *                     "USER: <<question>> " + q + " <<function>> " +
 *                     json.dumps(functions) + "\nASSISTANT: "
 *                     (no functions: "USER: <<question>> " + q + "\nASSISTANT: ");
 *   openfunctions-v2  openfunctions/inference_local.py: SYSTEM + "\n###
 *                     Instruction: <<function>>" + json.dumps(functions) +
 *                     "\n<<question>>" + q + "\n### Response: "
 *                     (no functions: SYSTEM + "\n### Instruction:
 *                     <<question>> " + q + "\n### Response: "). */
#include "prompt/template.h"
#include "base/pybuf.h"
#include "base/error.h"

#include <strings.h>
#include <stdlib.h>
#include <string.h>

static const char OFV2_SYSTEM[] =
    "You are an AI programming assistant, utilizing the Gorilla LLM model, developed by Gorilla LLM, and you only "
    "answer questions related to computer science. For politically sensitive questions, security and privacy issues, "
    "and other non-computer science questions, you will refuse to answer.";

static const struct {
    const char *name;
    const char *summary;
} TEMPLATES[GORILLA_TEMPLATE_COUNT] = {
    {"gorilla-v0", "###USER: {question} \\n Use this API documentation for reference: {doc}\\n###ASSISTANT: "},
    {"openfunctions-v1", "USER: <<question>> {question} <<function>> {functions}\\nASSISTANT: "},
    {"openfunctions-v2", "{system}\\n### Instruction: <<function>>{functions}\\n<<question>>{question}\\n### Response: "},
};

/* Other names accepted by gorilla_template_parse. */
static const struct {
    const char *alias;
    gorilla_template t;
} ALIASES[] = {
    {"gorilla", GORILLA_TEMPLATE_GORILLA_V0},          {"v0", GORILLA_TEMPLATE_GORILLA_V0},
    {"gorilla_v0", GORILLA_TEMPLATE_GORILLA_V0},       {"openfunctions-v0", GORILLA_TEMPLATE_OPENFUNCTIONS_V1},
    {"openfunctions", GORILLA_TEMPLATE_OPENFUNCTIONS_V1}, {"ofv1", GORILLA_TEMPLATE_OPENFUNCTIONS_V1},
    {"ofv2", GORILLA_TEMPLATE_OPENFUNCTIONS_V2},
};

const char *gorilla_template_name(gorilla_template t)
{
    return (unsigned)t < GORILLA_TEMPLATE_COUNT ? TEMPLATES[t].name : "?";
}

const char *gorilla_template_summary(gorilla_template t)
{
    return (unsigned)t < GORILLA_TEMPLATE_COUNT ? TEMPLATES[t].summary : "?";
}

const char *gorilla_template_system(gorilla_template t)
{
    return t == GORILLA_TEMPLATE_OPENFUNCTIONS_V2 ? OFV2_SYSTEM : NULL;
}

int gorilla_template_parse(const char *name, gorilla_template *out)
{
    if (!name) return -1;
    for (int t = 0; t < GORILLA_TEMPLATE_COUNT; t++)
        if (strcmp(name, TEMPLATES[t].name) == 0) {
            *out = (gorilla_template)t;
            return 0;
        }
    for (size_t a = 0; a < sizeof ALIASES / sizeof ALIASES[0]; a++)
        if (strcmp(name, ALIASES[a].alias) == 0) {
            *out = ALIASES[a].t;
            return 0;
        }
    return -1;
}

char *gorilla_template_apply(gorilla_template t, const char *question, const char *functions)
{
    const char *q = question ? question : "";
    pybuf b;
    pybuf_init(&b);
    switch (t) {
    case GORILLA_TEMPLATE_GORILLA_V0:
        pybuf_puts(&b, "###USER: ");
        pybuf_puts(&b, q);
        if (functions) {
            pybuf_puts(&b, GORILLA_PROMPT_DOC_SEP);
            pybuf_puts(&b, functions);
        }
        pybuf_puts(&b, "\n###ASSISTANT: ");
        break;
    case GORILLA_TEMPLATE_OPENFUNCTIONS_V1:
        pybuf_puts(&b, "USER: <<question>> ");
        pybuf_puts(&b, q);
        if (functions) {
            pybuf_puts(&b, " <<function>> ");
            pybuf_puts(&b, functions);
        }
        pybuf_puts(&b, "\nASSISTANT: ");
        break;
    case GORILLA_TEMPLATE_OPENFUNCTIONS_V2:
        pybuf_puts(&b, OFV2_SYSTEM);
        if (functions) {
            pybuf_puts(&b, "\n### Instruction: <<function>>");
            pybuf_puts(&b, functions);
            pybuf_puts(&b, "\n<<question>>");
        } else {
            pybuf_puts(&b, "\n### Instruction: <<question>> ");
        }
        pybuf_puts(&b, q);
        pybuf_puts(&b, "\n### Response: ");
        break;
    default:
        pybuf_free(&b);
        return NULL;
    }
    return pybuf_take(&b);
}

/* Case-insensitive substring search. */
static int has(const char *s, const char *needle)
{
    if (!s) return 0;
    size_t n = strlen(needle);
    for (; *s; s++)
        if (strncasecmp(s, needle, n) == 0) return 1;
    return 0;
}

gorilla_status gorilla_template_detect(const char *template_key, const char *chat_template,
                                       const char *general_name, gorilla_template *out, const char **source,
                                       gorilla_error *err)
{
    const char *src = "default";
    gorilla_template t = GORILLA_TEMPLATE_GORILLA_V0;
    if (template_key && *template_key) {
        if (gorilla_template_parse(template_key, &t) != 0)
            return gorilla_fail(err, GORILLA_ERR_UNSUPPORTED,
                                "gorilla.template '%.64s' is not a known template (known: gorilla-v0, "
                                "openfunctions-v1, openfunctions-v2)",
                                template_key);
        src = "gorilla.template";
    } else if (chat_template && strstr(chat_template, "<<function>>") && strstr(chat_template, "### Instruction")) {
        t = GORILLA_TEMPLATE_OPENFUNCTIONS_V2;
        src = "tokenizer.chat_template";
    } else if (chat_template && strstr(chat_template, "<<question>>")) {
        t = GORILLA_TEMPLATE_OPENFUNCTIONS_V1;
        src = "tokenizer.chat_template";
    } else if (chat_template && strstr(chat_template, "###USER")) {
        t = GORILLA_TEMPLATE_GORILLA_V0;
        src = "tokenizer.chat_template";
    } else if (has(general_name, "openfunctions-v2") || has(general_name, "openfunctions_v2") ||
               has(general_name, "openfunctions v2")) {
        t = GORILLA_TEMPLATE_OPENFUNCTIONS_V2;
        src = "general.name";
    } else if (has(general_name, "openfunctions")) {
        t = GORILLA_TEMPLATE_OPENFUNCTIONS_V1; /* v0 and v1 share a prompt */
        src = "general.name";
    } else if (has(general_name, "gorilla")) {
        t = GORILLA_TEMPLATE_GORILLA_V0;
        src = "general.name";
    }
    *out = t;
    if (source) *source = src;
    return GORILLA_OK;
}
