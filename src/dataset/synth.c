/* synth.c — teacher-free training pairs: instructions from templates over
 * an API document's functionality, domain and description, never naming
 * the API, in the voice of the APIBench instructions (a person or a
 * product with a need). */
#include "dataset/dataset_internal.h"
#include "base/error.h"
#include "base/rng.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

static const char *const PERSONAS[] = {
    "a journalist", "a teacher", "a small online store", "a startup founder", "a mobile app developer",
    "a researcher", "a museum curator", "a hospital's IT team", "an interior designer", "a data analyst",
    "a game studio", "a travel agency", "a farmer", "a city's transport office", "a student",
    "a marketing team", "a security company", "a musician", "a news website", "a customer support team",
};
static const char *const PRODUCTS[] = {
    "a social media website", "a photo-sharing app", "a customer support system", "a smart home device",
    "an e-commerce platform", "a news aggregator", "a language learning app", "a video streaming service",
    "a medical records system", "a chat application", "a document management tool", "a fitness tracker",
    "a self-driving car prototype", "a podcast platform", "a real estate website", "a recipe app",
};
#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

static size_t pick(uint64_t *rng, size_t n) { return (size_t)(gorilla_splitmix64(rng) % n); }

/* The task words of a domain: the hub prefixes removed, '-' as spaces,
 * lowercase ("Natural Language Processing Text Classification" -> "text
 * classification", "image-feature-vector" -> "image feature vector"). */
static char *domain_task(const char *domain)
{
    static const char *const PREFIX[] = {"Natural Language Processing ", "Computer Vision ", "Multimodal ",
                                         "Reinforcement Learning ", "Tabular ", "Audio "};
    if (!domain) return NULL;
    const char *s = domain;
    for (size_t i = 0; i < N_OF(PREFIX); i++) {
        size_t l = strlen(PREFIX[i]);
        if (strncmp(s, PREFIX[i], l) == 0 && s[l]) {
            s += l;
            break;
        }
    }
    char *t = strdup(s);
    if (!t) return NULL;
    for (char *p = t; *p; p++) *p = *p == '-' || *p == '_' ? ' ' : (char)tolower((unsigned char)*p);
    return t;
}

static int ci_contains(const char *hay, const char *needle)
{
    if (!needle || !*needle) return 0;
    size_t n = strlen(needle);
    for (const char *h = hay; *h; h++)
        if (strncasecmp(h, needle, n) == 0) return 1;
    return 0;
}

/* A word that names a model rather than describes a task: digits mixed
 * with letters, '/', '_', or capitals after the first letter. */
static int identifier_like(const char *w, size_t n)
{
    int digit = 0, alpha = 0, inner_cap = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)w[i];
        if (c == '/' || c == '_') return 1;
        if (isdigit(c)) digit = 1;
        if (isalpha(c)) alpha = 1;
        if (i > 0 && isupper(c) && islower((unsigned char)w[i - 1])) inner_cap = 1;
    }
    return (digit && alpha) || inner_cap;
}

/* The description's first sentence, with the API's name and model-like
 * words removed, at most 24 words; NULL when little is left. */
static char *description_clause(const char *desc, const char *api_name)
{
    if (!desc) return NULL;
    const char *end = desc;
    while (*end && !(*end == '.' && (end[1] == ' ' || end[1] == '\0' || end[1] == '\n')) && *end != '\n') end++;
    ds_buf b;
    ds_buf_init(&b);
    size_t words = 0;
    for (const char *s = desc; s < end && words < 24;) {
        while (s < end && isspace((unsigned char)*s)) s++;
        const char *e = s;
        while (e < end && !isspace((unsigned char)*e)) e++;
        if (e == s) break;
        char w[128];
        size_t n = (size_t)(e - s) < sizeof w - 1 ? (size_t)(e - s) : sizeof w - 1;
        memcpy(w, s, n);
        w[n] = '\0';
        int drop = identifier_like(w, n) || (api_name && (ci_contains(w, api_name) || ci_contains(api_name, w)) &&
                                             n > 3);
        if (!drop) {
            if (b.n) ds_buf_puts(&b, " ");
            ds_buf_puts(&b, w);
            words++;
        }
        s = e;
    }
    char *t = ds_buf_take(&b);
    if (t && words < 5) {
        free(t);
        return NULL;
    }
    return t;
}

static char *lower_dup(const char *s)
{
    char *t = strdup(s ? s : "");
    if (t)
        for (char *p = t; *p; p++) *p = (char)tolower((unsigned char)*p);
    return t;
}

static void cap_first(char *s)
{
    if (s && *s) *s = (char)toupper((unsigned char)*s);
}

/* Example code as answer code: at most ~1200 bytes, cut at a line end. */
static char *example_code(const json_t *doc)
{
    char *c = ds_json_text(json_object_get(doc, "example_code"));
    if (c && strlen(c) > 1200) {
        char *cut = c + 1200;
        while (cut > c && *cut != '\n') cut--;
        *cut = '\0';
    }
    return c;
}

static char *instruction_for(uint64_t *rng, const char *task, const char *clause)
{
    const char *persona = PERSONAS[pick(rng, N_OF(PERSONAS))];
    const char *product = PRODUCTS[pick(rng, N_OF(PRODUCTS))];
    ds_buf b;
    ds_buf_init(&b);
    switch (pick(rng, 8)) {
    case 0: ds_buf_printf(&b, "I need an API that can help with %s.", task); break;
    case 1: ds_buf_printf(&b, "As %s, I want a tool for %s.", persona, task); break;
    case 2: ds_buf_printf(&b, "We are building %s and need %s for it.", product, task); break;
    case 3: ds_buf_printf(&b, "Design a feature for %s that uses %s.", product, task); break;
    case 4: ds_buf_printf(&b, "Our company wants to add %s to %s. Which model should we load?", task, product); break;
    case 5: ds_buf_printf(&b, "Create a program for %s on data from %s.", task, product); break;
    case 6: ds_buf_printf(&b, "I am %s and I need %s.", persona, task); break;
    default: ds_buf_printf(&b, "Find a pre-trained model for %s that I can use in %s.", task, product); break;
    }
    if (clause && pick(rng, 2) == 0) {
        char *c = lower_dup(clause);
        if (c) ds_buf_printf(&b, " It should work like this: %s.", c);
        else b.oom = 1;
        free(c);
    }
    char *t = ds_buf_take(&b);
    cap_first(t);
    return t;
}

gorilla_status gorilla_pairset_synth(gorilla_pairset *set, const gorilla_store *store, unsigned per_doc,
                                     uint64_t seed, size_t *added, gorilla_error *err)
{
    if (added) *added = 0;
    size_t n = gorilla_store_count(store);
    uint64_t rng = seed * 0x9E3779B97F4A7C15ULL + 0x1234567ULL;
    for (size_t i = 0; i < n; i++) {
        char *doc_json = gorilla_store_doc_json(store, i);
        json_t *doc = doc_json ? json_loads(doc_json, 0, NULL) : NULL;
        const char *call = gorilla_store_field(store, i, "api_call");
        if (!doc || !call) {
            free(doc_json);
            json_decref(doc);
            continue; /* a document without a call cannot be an answer */
        }
        const char *name = gorilla_store_field(store, i, "api_name");
        const char *domain = gorilla_store_field(store, i, "domain");
        char *func = lower_dup(gorilla_store_field(store, i, "functionality"));
        char *dtask = domain_task(domain);
        char *clause = description_clause(gorilla_store_field(store, i, "description"), name);
        char *code = example_code(doc);
        gorilla_status st = GORILLA_OK;
        for (unsigned r = 0; r < per_doc && st == GORILLA_OK; r++) {
            const char *task = (func && *func && (!dtask || pick(&rng, 3) != 0)) ? func : dtask;
            if (!task || !*task) break;
            char *instr = instruction_for(&rng, task, clause);
            if (instr && name && strlen(name) > 3 && ci_contains(instr, name)) {
                free(instr);
                instr = instruction_for(&rng, task, NULL);
            }
            ds_buf ex;
            ds_buf_init(&ex);
            ds_buf_printf(&ex, "Load the pre-trained %s model, which provides %s.", name ? name : "API", task);
            char *expl = ds_buf_take(&ex);
            char *answer = gorilla_answer_format(domain, call, gorilla_store_field(store, i, "framework"), expl, code);
            gorilla_train_pair p = {instr, answer, (char *)call, (char *)domain,
                                    (char *)gorilla_store_field(store, i, "framework"), doc_json};
            if (!instr || !answer || !expl) st = gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory");
            else if (!(name && strlen(name) > 3 && ci_contains(instr, name))) {
                st = gorilla_pairset_add(set, &p, err);
                if (st == GORILLA_OK && added) (*added)++;
            }
            free(instr);
            free(answer);
            free(expl);
        }
        free(func);
        free(dtask);
        free(clause);
        free(code);
        free(doc_json);
        json_decref(doc);
        if (st != GORILLA_OK) return st;
    }
    return GORILLA_OK;
}
