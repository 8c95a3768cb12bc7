/* strict.c — the strict matcher: what the published logic means, without
 * its accidents.
 *  - No fall-through: a document is tested only against a call in the
 *    candidate whose function is the document's call name.
 *  - Argument by argument: each selected argument of the document must
 *    equal the candidate's argument of the same keyword, or the one at the
 *    same position, instead of occurring anywhere in the subtree's text.
 *    Values are compared in a normal form: backslashes dropped, quotes
 *    stripped, whitespace removed; a TorchHub repository may carry a
 *    ":branch" suffix, as torch.hub.load accepts.
 *  - Shell entries ("./run.sh ...", "python ...", and any "word --flag"
 *    command): the candidate must contain the command with its flags,
 *    whitespace normalized.
 *  - A document whose call has no arguments (SentimentModel()) matches a
 *    call of the same name.
 *  - The candidate is unescaped before parsing: models writing a dict-like
 *    answer often emit \" and \' for quotes, and a stray opening quote
 *    before the call; the published evaluator parses those as they are.
 * The first matching document in file order wins, as in compatible mode. */
#include "eval/matcher_internal.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#define MAX_CALL_ARGS 64

typedef struct {
    const char *kw, *val;
    size_t kwlen, vallen;
} cand_arg;

static int is_string_prefix(char c)
{
    switch (c) {
    case 'r': case 'R': case 'b': case 'B': case 'f': case 'F': case 'u': case 'U': return 1;
    default: return 0;
    }
}

/* Strips surrounding quotes of a string literal (with r/b/f/u prefixes). */
static void unquote(const char **s, size_t *len)
{
    const char *t = *s;
    size_t n = *len;
    size_t k = 0;
    while (k < n && k < 2 && is_string_prefix(t[k])) k++;
    if (n - k >= 2 && (t[k] == '\'' || t[k] == '"') && t[n - 1] == t[k]) {
        size_t q = (n - k >= 6 && t[k + 1] == t[k] && t[k + 2] == t[k]) ? 3 : 1;
        if (n - k >= 2 * q) {
            *s = t + k + q;
            *len = n - k - 2 * q;
        }
    }
}

/* Normal form of an argument value: backslashes dropped (models often emit
 * \" for a quote), string quotes stripped, whitespace removed. Writes at most
 * cap-1 bytes; returns the length. */
static size_t normalize(const char *v, size_t len, char *out, size_t cap)
{
    char tmp[512] = {0};
    size_t n = 0;
    for (size_t i = 0; i < len && n < sizeof tmp; i++)
        if (v[i] != '\\') tmp[n++] = v[i];
    const char *t = tmp;
    unquote(&t, &n);
    while (n && (t[0] == '\'' || t[0] == '"')) { t++; n--; }
    while (n && (t[n - 1] == '\'' || t[n - 1] == '"')) n--;
    size_t o = 0;
    for (size_t i = 0; i < n && o + 1 < cap; i++)
        if (!isspace((unsigned char)t[i])) out[o++] = t[i];
    out[o] = '\0';
    return o;
}

/* Equality of argument values in normal form. With `ref_ok`, the candidate
 * may add a ":ref" (a TorchHub repository at a branch or tag). */
static int value_equal(const char *a, size_t al, const char *b, size_t bl, int ref_ok)
{
    char na[512], nb[512];
    size_t la = normalize(a, al, na, sizeof na), lb = normalize(b, bl, nb, sizeof nb);
    if (la == lb && memcmp(na, nb, la) == 0) return 1;
    return ref_ok && lb > la && nb[la] == ':' && memcmp(na, nb, la) == 0;
}

static size_t call_args(const pyast *p, TSNode call, cand_arg *out)
{
    if (ts_node_child_count(call) < 2) return 0;
    TSNode list = ts_node_child(call, 1);
    if (strcmp(ts_node_type(list), "argument_list") != 0) return 0;
    size_t n = 0;
    uint32_t nc = ts_node_child_count(list);
    for (uint32_t i = 0; i < nc && n < MAX_CALL_ARGS; i++) {
        TSNode c = ts_node_child(list, i);
        if (!ts_node_is_named(c)) continue;
        cand_arg *a = &out[n++];
        if (strcmp(ts_node_type(c), "keyword_argument") == 0 && ts_node_child_count(c) >= 3) {
            a->kw = pyast_text(p, ts_node_child(c, 0), &a->kwlen);
            a->val = pyast_text(p, ts_node_child(c, 2), &a->vallen);
        } else {
            a->kw = NULL;
            a->kwlen = 0;
            a->val = pyast_text(p, c, &a->vallen);
        }
    }
    return n;
}

static int args_match(const mdoc *d, const cand_arg *ca, size_t n, int torchhub)
{
    for (size_t a = 0; a < d->nargs; a++) {
        int ok = 0;
        for (size_t j = 0; j < n && !ok; j++) {
            int same_slot = ca[j].kw ? (d->kw[a] && strlen(d->kw[a]) == ca[j].kwlen &&
                                        memcmp(d->kw[a], ca[j].kw, ca[j].kwlen) == 0)
                                     : (int)j == d->arg_pos[a];
            if (!same_slot && !ca[j].kw && d->kw[a] == NULL) same_slot = (int)j == d->arg_pos[a];
            int ref_ok = torchhub && (d->arg_pos[a] == 0 || (d->kw[a] && strcmp(d->kw[a], "repo_or_dir") == 0));
            if (same_slot) ok = value_equal(d->args[a], d->arg_lens[a], ca[j].val, ca[j].vallen, ref_ok);
        }
        if (!ok) return 0;
    }
    return 1;
}

/* Whitespace-normalized containment, for shell commands. */
static int contains_normalized(const char *hay, size_t hl, const char *needle)
{
    size_t nl = strlen(needle);
    for (size_t s = 0; s < hl; s++) {
        size_t i = s, j = 0;
        while (j < nl && i < hl) {
            if (isspace((unsigned char)needle[j])) {
                if (!isspace((unsigned char)hay[i])) break;
                while (j < nl && isspace((unsigned char)needle[j])) j++;
                while (i < hl && isspace((unsigned char)hay[i])) i++;
                continue;
            }
            if (needle[j] != hay[i]) break;
            i++;
            j++;
        }
        if (j == nl) return 1;
    }
    return 0;
}

/* Copies the candidate without backslashes before quotes, and without an
 * opening quote that is left over from a dict-like answer. Caller frees. */
static char *unescape(const char *call, size_t len, size_t *out_len)
{
    char *out = malloc(len + 1);
    if (!out) return NULL;
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        if (call[i] == '\\') { /* a run of backslashes before a quote */
            size_t k = i;
            while (k < len && call[k] == '\\') k++;
            if (k < len && (call[k] == '"' || call[k] == '\'')) {
                i = k - 1;
                continue;
            }
        }
        out[n++] = call[i];
    }
    size_t s = 0;
    while (s < n && isspace((unsigned char)out[s])) s++;
    if (s < n && (out[s] == '"' || out[s] == '\'')) {
        /* a quote followed by a name (not a string literal of its own) */
        size_t k = s + 1;
        while (k < n && (isalnum((unsigned char)out[k]) || out[k] == '_' || out[k] == '.')) k++;
        if (k > s + 1 && k < n && out[k] != out[s]) s++;
    }
    memmove(out, out + s, n - s);
    n -= s;
    out[n] = '\0';
    *out_len = n;
    return out;
}

long strict_find(gorilla_matcher *m, const char *call, size_t len, gorilla_parse_kind *parse)
{
    size_t ulen;
    char *text = unescape(call, len, &ulen);
    if (!text) return -1;
    pyast *p = &m->ast;
    if (pyast_parse(p, text, ulen) != 0 || pyast_list_subtrees(p) != 0) {
        free(text);
        return -1;
    }
    if (parse) *parse = pyast_has_error(p) ? GORILLA_PARSE_ERROR : GORILLA_PARSE_CLEAN;
    long best = -1;
    cand_arg ca[MAX_CALL_ARGS];
    for (size_t s = 0; s < p->n; s++) {
        TSNode node = p->list[s].node;
        if (strcmp(ts_node_type(node), "call") != 0 || !p->list[s].has_first) continue;
        const char *t = p->src + p->list[s].first_start;
        size_t tl = p->list[s].first_end - p->list[s].first_start;
        int64_t g;
        if (!gorilla_hashmap_get(&m->names, t, tl, &g)) continue;
        size_t n = call_args(p, node, ca);
        for (size_t k = 0; k < m->groups[g].n; k++) {
            size_t i = m->groups[g].items[k];
            if (best >= 0 && (long)i >= best) break;
            const mdoc *d = &m->docs[i];
            if (d->shell) continue;
            /* a document whose call has no arguments (SentimentModel(),
             * TabTransformer.from_config()): the called name is the call */
            if (d->nargs == 0 ? d->is_call : args_match(d, ca, n, m->hub == GORILLA_HUB_TORCHHUB)) best = (long)i;
        }
    }
    for (size_t i = 0; i < m->n && (best < 0 || (long)i < best); i++)
        if (m->docs[i].shell && contains_normalized(text, ulen, m->docs[i].shell)) best = (long)i;
    free(text);
    return best;
}
