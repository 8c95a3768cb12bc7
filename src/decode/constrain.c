/* constrain.c — store-constrained calls: a logits filter that lets the
 * model write, in the call field, only text that stays a prefix of a call
 * of the store (see include/gorilla/decode.h).
 *
 * The text so far is run through a small automaton, byte by byte:
 *
 *   OUTSIDE   looking for a call marker (one DFA per marker)
 *   SPACE     after `<<<api_call>>>:`: the one space of Gorilla's format
 *             (APIBench's evaluator cuts the two bytes after the colon, so
 *             a call written straight after it loses its first letter)
 *   PRE       after the marker: spaces, then the call's first byte
 *   IN node   inside the call: node = the trie node of the bytes so far;
 *             alongside, an assignment `name = ` may come first (the
 *             published TorchHub answers write `model = torch.hub.load(..)`,
 *             which the evaluator matches inside): while its bytes are
 *             those of an identifier, spaces and `=`, the call starts again
 *             at the trie's root after it
 *   DONE      a whole call and one terminator byte: no constraint
 *
 * and each candidate token is then run from that state over its own bytes
 * (computed once per vocabulary): forbidden when the walk falls off the
 * trie. Outside a call only tokens holding a marker's last byte can move
 * into a call, so only those are walked there (a list made at build);
 * every other step costs nothing. */
#include "decode/call_trie.h"
#include "decode/call_variants.h"
#include "base/error.h"
#include "gorilla.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N_MARKERS 5
#define MARKER_MAX 24

static const char *const MARKERS[N_MARKERS] = {
    "<<<api_call>>>:", "'api_call': '", "'api_call': \"", "\"api_call\": \"", "<<function>>",
};
static const char *const ESCAPES[] = {"None", "no suitable API"};
#define ESCAPE_TERMINAL 2 /* call_trie_node.terminal of an escape */

enum { OUTSIDE = 0, SPACE, PRE, IN, DONE };

/* the assignment hypothesis while IN: not (any more), at its start, in the
 * name, spaces after it, after the `=` (then spaces) */
enum { ASG_DEAD = 0, ASG_START, ASG_NAME, ASG_SPACE, ASG_EQ, ASG_EQ_SPACE };
/* a variable's name: lower case or `_` first (Python's style for
 * variables; a capital starts a class, i.e. a call), at most this long —
 * so that a model cannot wander in a name that never ends */
#define ASG_NAME_MAX 16
/* spaces before a call: the one of Gorilla's format and at most this many
 * more (a model must not wander in blanks); and in `name = `, at most one
 * on each side of the `=`. After an assignment the escapes (`None`, `no
 * suitable API`) are not calls: `x = None` is no answer. */
#define PRE_SPACES_MAX 3

typedef struct {
    int phase;
    int32_t node; /* -1: the bytes since the call's start are no call's prefix */
    int asg, asg_len;
    int pre_spaces, assigned;
    uint8_t mp[N_MARKERS]; /* marker progress while OUTSIDE */
} cstate;

struct gorilla_call_constraint {
    call_trie trie;
    unsigned flags;
    /* the vocabulary: token i's bytes are bytes[off[i]..off[i+1]) */
    size_t V;
    char *bytes;
    size_t *off;
    uint8_t *eog;
    /* per marker: its DFA (dfa[m][state * 256 + byte]) and length */
    uint8_t dfa[N_MARKERS][(MARKER_MAX + 1) * 256];
    uint8_t mlen[N_MARKERS];
    int32_t *entry; /* tokens that hold some marker's last byte */
    size_t n_entry;
    /* the non-empty, non-EOG tokens sorted by their bytes: the tokens that
     * share a prefix are a range of it, so inside a call one walk over the
     * prefixes the automaton accepts decides them all (walk_sorted) */
    int32_t *sorted;
    size_t n_sorted;
    uint8_t *to_call; /* [trie nodes]: a store call (not an escape) lies below */
    size_t n_skipped;
    char *skip_reason;
};

static int is_terminator(uint8_t b)
{
    return b == ' ' || b == '\n' || b == '\r' || b == '\t' || b == '<' || b == '\'' || b == '"' || b == ',' ||
           b == ';' || b == '}' || b == '`';
}

/* KMP automaton of marker s: the longest prefix of s that is a suffix of
 * what has been read. */
static void build_dfa(uint8_t *dfa, const char *s, size_t n)
{
    memset(dfa, 0, (n + 1) * 256);
    dfa[(uint8_t)s[0]] = 1;
    size_t x = 0; /* the state the automaton is in after s[1..j) */
    for (size_t j = 1; j <= n; j++) {
        for (int b = 0; b < 256; b++) dfa[j * 256 + (size_t)b] = dfa[x * 256 + (size_t)b];
        if (j < n) {
            dfa[j * 256 + (uint8_t)s[j]] = (uint8_t)(j + 1);
            x = dfa[x * 256 + (uint8_t)s[j]];
        }
    }
}

/* 1 when the bytes so far are a whole call (an escape only when no
 * assignment came first). */
static int can_end(const gorilla_call_constraint *c, const cstate *s)
{
    if (s->node < 0) return 0;
    uint8_t t = c->trie.nodes[s->node].terminal;
    return t == 1 || (t == ESCAPE_TERMINAL && !s->assigned);
}

/* Moves the state by one byte; 0 when the byte is forbidden. */
static int step(const gorilla_call_constraint *c, cstate *s, uint8_t b)
{
    switch (s->phase) {
    case OUTSIDE:
        for (int m = 0; m < N_MARKERS; m++) {
            s->mp[m] = c->dfa[m][(size_t)s->mp[m] * 256 + b];
            if (s->mp[m] == c->mlen[m]) {
                s->phase = m == 0 ? SPACE : PRE;
                return 1;
            }
        }
        return 1;
    case SPACE:
        if (b != ' ') return 0;
        s->phase = PRE;
        return 1;
    case PRE:
        if (b == ' ' || b == '\t') return ++s->pre_spaces <= PRE_SPACES_MAX;
        s->node = 0;
        s->asg = ASG_START;
        s->phase = IN;
        /* fall through */
    case IN: {
        int32_t n = s->node >= 0 ? call_trie_step(&c->trie, s->node, b) : -1;
        if (n < 0 && can_end(c, s) && is_terminator(b)) {
            s->phase = DONE;
            return 1;
        }
        int ident = (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') || b == '_' || (b >= '0' && b <= '9');
        switch (s->asg) {
        case ASG_START:
            s->asg = (b >= 'a' && b <= 'z') || b == '_' ? ASG_NAME : ASG_DEAD;
            s->asg_len = 1;
            break;
        case ASG_NAME:
            s->asg = ident && ++s->asg_len <= ASG_NAME_MAX ? ASG_NAME
                     : b == ' '                          ? ASG_SPACE
                     : b == '='                          ? ASG_EQ
                                                         : ASG_DEAD;
            break;
        case ASG_SPACE: s->asg = b == '=' ? ASG_EQ : ASG_DEAD; break;
        case ASG_EQ:
        case ASG_EQ_SPACE:
            if (b == ' ') {
                s->asg = s->asg == ASG_EQ ? ASG_EQ_SPACE : ASG_DEAD;
                break;
            }
            s->asg = ASG_DEAD; /* the call begins: at the root, unless the first hypothesis lives on */
            if (n < 0) {
                n = call_trie_step(&c->trie, 0, b);
                s->assigned = 1;
            }
            break;
        default: break;
        }
        if (n >= 0 && s->assigned && !c->to_call[n]) n = -1; /* after `name = ` only calls */
        s->node = n;
        return n >= 0 || s->asg != ASG_DEAD;
    }
    default:
        return 1;
    }
}

static void state_start(const gorilla_call_constraint *c, cstate *s)
{
    memset(s, 0, sizeof *s);
    s->phase = (c->flags & GORILLA_CONSTRAIN_AT_START) ? PRE : OUTSIDE;
}

int gorilla_call_constraint_state(const gorilla_call_constraint *c, const char *text, size_t len, size_t *call_start)
{
    cstate s;
    state_start(c, &s);
    size_t start = 0;
    for (size_t i = 0; i < len && s.phase != DONE; i++) {
        int was = s.phase;
        if (!step(c, &s, (uint8_t)text[i])) return 1; /* off the trie: treated as inside */
        if (was != IN && s.phase == IN) start = i;
    }
    if (s.phase == PRE || s.phase == SPACE) start = len;
    if (call_start) *call_start = start;
    return s.phase == OUTSIDE ? 0 : s.phase == DONE ? 2 : 1;
}

int gorilla_call_constraint_at_field(const char *text, size_t len)
{
    while (len && (text[len - 1] == ' ' || text[len - 1] == '\t')) len--;
    for (int m = 0; m < N_MARKERS; m++) {
        size_t n = strlen(MARKERS[m]);
        if (len >= n && !memcmp(text + len - n, MARKERS[m], n)) return 1;
    }
    return 0;
}

/* Runs token t's bytes from s; 1 when every byte is allowed. */
static int token_ok(const gorilla_call_constraint *c, const cstate *s0, int32_t t)
{
    const char *p = c->bytes + c->off[t];
    size_t n = c->off[t + 1] - c->off[t];
    if (n == 0 || c->eog[t]) /* adds nothing: allowed where the call may end */
        return s0->phase == OUTSIDE || s0->phase == DONE || (c->eog[t] && s0->phase == IN && can_end(c, s0));
    cstate s = *s0;
    for (size_t i = 0; i < n; i++) {
        if (!step(c, &s, (uint8_t)p[i])) return 0;
        if (s.phase == DONE) return 1;
    }
    return 1;
}

static const uint8_t *tok_bytes(const gorilla_call_constraint *c, int32_t t, size_t *n)
{
    *n = c->off[t + 1] - c->off[t];
    return (const uint8_t *)c->bytes + c->off[t];
}

/* The end of the range [lo, hi) of sorted tokens whose byte at depth d is
 * b (they are ordered by it; every token there is longer than d). */
static size_t group_end(const gorilla_call_constraint *c, size_t lo, size_t hi, size_t d, uint8_t b)
{
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2, n;
        const uint8_t *p = tok_bytes(c, c->sorted[mid], &n);
        if (p[d] <= b) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

/* Marks allowed every token of the sorted vocabulary whose bytes the
 * automaton accepts from s: the tokens sharing a prefix are a range, so
 * one depth-first walk over the accepted prefixes decides them all (a
 * whole range at once when the call is done within it) — the same verdict
 * as token_ok for each. An explicit stack: a token and a call may both be
 * long. 0, or -1 when out of memory. */
typedef struct {
    cstate s;     /* after the first d bytes */
    size_t d, i, hi; /* the range left to decide: sorted[i..hi) */
} walk_frame;

static int walk_sorted(const gorilla_call_constraint *c, uint8_t *allow, const cstate *s0)
{
    size_t cap = 64, top = 0, n;
    walk_frame *st = malloc(cap * sizeof *st);
    if (!st) return -1;
    st[top++] = (walk_frame){*s0, 0, 0, c->n_sorted};
    while (top) {
        walk_frame *f = &st[top - 1];
        while (f->i < f->hi && (tok_bytes(c, c->sorted[f->i], &n), n == f->d)) allow[c->sorted[f->i++]] = 1;
        if (f->i >= f->hi) {
            top--;
            continue;
        }
        const uint8_t *p = tok_bytes(c, c->sorted[f->i], &n);
        uint8_t b = p[f->d];
        size_t lo = f->i, j = group_end(c, lo, f->hi, f->d, b);
        f->i = j;
        cstate s2 = f->s;
        if (!step(c, &s2, b)) continue;
        if (s2.phase == DONE) {
            for (size_t k = lo; k < j; k++) allow[c->sorted[k]] = 1;
            continue;
        }
        if (top == cap) {
            walk_frame *g = realloc(st, 2 * cap * sizeof *st);
            if (!g) {
                free(st);
                return -1;
            }
            st = g;
            cap *= 2;
            f = &st[top - 1];
        }
        st[top] = (walk_frame){s2, f->d + 1, lo, j};
        top++;
    }
    free(st);
    return 0;
}

gorilla_status gorilla_call_constraint_filter(void *user, const int32_t *tokens, size_t n_tokens, const char *text,
                                              size_t text_len, float *logits, size_t n_vocab, gorilla_error *err)
{
    (void)tokens;
    (void)n_tokens;
    const gorilla_call_constraint *c = user;
    cstate s;
    state_start(c, &s);
    for (size_t i = 0; i < text_len && s.phase != DONE; i++)
        if (!step(c, &s, (uint8_t)text[i])) {
            s.phase = DONE; /* the text left the trie already (not by this filter): leave it be */
            break;
        }
    if (s.phase == DONE) return GORILLA_OK;
    size_t V = n_vocab < c->V ? n_vocab : c->V;
    if (s.phase == OUTSIDE) {
        /* only tokens with a marker's last byte can enter a call */
        for (size_t i = 0; i < c->n_entry; i++) {
            int32_t t = c->entry[i];
            if ((size_t)t < V && !token_ok(c, &s, t)) logits[t] = -INFINITY;
        }
        return GORILLA_OK;
    }
    size_t allowed = 0;
    uint8_t *allow = calloc(c->V + 1, 1); /* per call: a constraint may serve several generations at once */
    if (!allow) return gorilla_fail(err, GORILLA_ERR_NOMEM, "constrained call: out of memory");
    if (walk_sorted(c, allow, &s)) {
        free(allow);
        return gorilla_fail(err, GORILLA_ERR_NOMEM, "constrained call: out of memory");
    }
    for (size_t t = 0; t < V; t++) {
        if (logits[t] == -INFINITY) continue;
        size_t n = c->off[t + 1] - c->off[t];
        int ok = n == 0 || c->eog[t] ? token_ok(c, &s, (int32_t)t) : allow[t];
        if (ok) allowed++;
        else logits[t] = -INFINITY;
    }
    free(allow);
    for (size_t t = V; t < n_vocab; t++) logits[t] = -INFINITY;
    if (!allowed) {
        size_t start = 0;
        gorilla_call_constraint_state(c, text, text_len, &start);
        int n = (int)(text_len - start > 60 ? 60 : text_len - start);
        return gorilla_fail(err, GORILLA_ERR_UNSUPPORTED,
                            "constrained call: no token of the vocabulary can continue \"%.*s\" (its next byte "
                            "cannot be spelled)",
                            n, text + start);
    }
    return GORILLA_OK;
}

typedef struct {
    const uint8_t *p;
    size_t n;
    int32_t id;
} tok_key;

static int cmp_tok(const void *x, const void *y)
{
    const tok_key *a = x, *b = y;
    size_t n = a->n < b->n ? a->n : b->n;
    int r = memcmp(a->p, b->p, n);
    if (r) return r;
    return a->n < b->n ? -1 : a->n > b->n ? 1 : (a->id > b->id) - (a->id < b->id);
}

/* c->sorted: the tokens with bytes (EOG ones aside) in byte order. */
static gorilla_status sort_vocab(gorilla_call_constraint *c, gorilla_error *err)
{
    tok_key *k = malloc((c->V + 1) * sizeof *k);
    c->sorted = malloc((c->V + 1) * sizeof *c->sorted);
    if (!k || !c->sorted) {
        free(k);
        return gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory");
    }
    size_t n = 0;
    for (size_t t = 0; t < c->V; t++) {
        size_t len = c->off[t + 1] - c->off[t];
        if (len && !c->eog[t]) k[n++] = (tok_key){(const uint8_t *)c->bytes + c->off[t], len, (int32_t)t};
    }
    qsort(k, n, sizeof *k, cmp_tok);
    for (size_t i = 0; i < n; i++) c->sorted[i] = k[i].id;
    c->n_sorted = n;
    free(k);
    return GORILLA_OK;
}

/* The vocabulary's bytes, once. */
static gorilla_status build_vocab(gorilla_call_constraint *c, const gorilla_tokenizer *tok, gorilla_error *err)
{
    c->V = gorilla_tokenizer_n_vocab(tok);
    size_t total = 0;
    for (size_t t = 0; t < c->V; t++) {
        size_t len = 0;
        if (gorilla_tokenizer_piece(tok, (int32_t)t, &len)) total += len;
    }
    c->bytes = malloc(total + 1);
    c->off = malloc((c->V + 1) * sizeof *c->off);
    c->eog = calloc(c->V + 1, 1);
    c->entry = malloc((c->V + 1) * sizeof *c->entry);
    if (!c->bytes || !c->off || !c->eog || !c->entry) return gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory");
    size_t at = 0;
    for (size_t t = 0; t < c->V; t++) {
        c->off[t] = at;
        size_t len = 0;
        const char *p = gorilla_tokenizer_piece(tok, (int32_t)t, &len);
        if (p && len) memcpy(c->bytes + at, p, len);
        else len = 0;
        c->eog[t] = (uint8_t)(gorilla_tokenizer_is_eog(tok, (int32_t)t) != 0);
        int entry = 0;
        for (size_t i = 0; i < len && !entry; i++)
            for (int m = 0; m < N_MARKERS; m++)
                if (p[i] == MARKERS[m][c->mlen[m] - 1]) entry = 1;
        if (entry) c->entry[c->n_entry++] = (int32_t)t;
        at += len;
    }
    c->off[c->V] = at;
    return sort_vocab(c, err);
}

/* 1 when the vocabulary spells s (encode, decode gives it back, up to the
 * space a SentencePiece vocabulary puts in front); else 0 and a reason. */
static int spellable(const gorilla_tokenizer *tok, const char *s, size_t n, char *why, size_t why_size)
{
    int32_t *ids = NULL;
    size_t n_ids = 0;
    char *back = NULL;
    size_t blen = 0;
    gorilla_error e = {0};
    int ok = 0;
    if (gorilla_tokenizer_encode(tok, s, n, 0, 0, &ids, &n_ids, &e) == GORILLA_OK &&
        gorilla_tokenizer_decode(tok, ids, n_ids, 0, &back, &blen, &e) == GORILLA_OK) {
        const char *b = back;
        if (blen == n + 1 && b[0] == ' ') b++, blen--;
        ok = blen == n && !memcmp(b, s, n);
        if (!ok) {
            size_t i = 0;
            while (i < n && i < blen && b[i] == s[i]) i++;
            snprintf(why, why_size, "the vocabulary cannot spell byte 0x%02X at offset %zu of \"%.*s\"",
                     i < n ? (unsigned)(uint8_t)s[i] : 0u, i, (int)(n > 60 ? 60 : n), s);
        }
    } else {
        snprintf(why, why_size, "\"%.*s\" cannot be tokenized: %.120s", (int)(n > 60 ? 60 : n), s, e.message);
    }
    free(ids);
    free(back);
    return ok;
}

/* to_call[] of every node: a node is made after its parent, so from the
 * last node back each one's children are already decided (no recursion:
 * a call may be long). */
static gorilla_status mark_calls(gorilla_call_constraint *c, gorilla_error *err)
{
    c->to_call = calloc(c->trie.n + 1, 1);
    if (!c->to_call) return gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory");
    for (size_t i = c->trie.n; i-- > 0;) {
        uint8_t any = c->trie.nodes[i].terminal == 1;
        for (int32_t ch = c->trie.nodes[i].child; ch >= 0 && !any; ch = c->trie.nodes[ch].sibling) any = c->to_call[ch];
        c->to_call[i] = any;
    }
    return GORILLA_OK;
}

/* call_variants' callback: one spelling into the trie (its bytes are the
 * call's own, which the vocabulary spells, and ", "). */
static int add_spelling(void *user, const char *s, size_t n)
{
    gorilla_call_constraint *c = user;
    return call_trie_add(&c->trie, s, n);
}

gorilla_status gorilla_call_constraint_new(const gorilla_tokenizer *tok, const char *const *calls, size_t n_calls,
                                           unsigned flags, gorilla_call_constraint **out, gorilla_error *err)
{
    *out = NULL;
    if (!tok) return gorilla_fail(err, GORILLA_ERR_INVALID, "constrained calls need the model's tokenizer");
    gorilla_call_constraint *c = calloc(1, sizeof *c);
    if (!c) return gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory");
    c->flags = flags;
    call_trie_init(&c->trie);
    for (int m = 0; m < N_MARKERS; m++) {
        c->mlen[m] = (uint8_t)strlen(MARKERS[m]);
        build_dfa(c->dfa[m], MARKERS[m], c->mlen[m]);
    }
    gorilla_status st = build_vocab(c, tok, err);
    size_t kept = 0;
    for (size_t i = 0; !st && i < n_calls; i++) {
        const char *s = calls[i];
        if (!s) continue;
        size_t n = strlen(s);
        while (n && (*s == ' ' || *s == '\n' || *s == '\t' || *s == '\r')) s++, n--;
        while (n && (s[n - 1] == ' ' || s[n - 1] == '\n' || s[n - 1] == '\t' || s[n - 1] == '\r')) n--;
        if (!n) continue;
        char why[256];
        if (!spellable(tok, s, n, why, sizeof why)) {
            if (!c->n_skipped++) c->skip_reason = strdup(why);
            continue;
        }
        int32_t at = call_trie_find(&c->trie, s, n);
        kept += !(at >= 0 && c->trie.nodes[at].terminal); /* distinct calls, not their spellings */
        if (call_variants(s, n, add_spelling, c)) st = gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory");
    }
    if (!st && kept == 0)
        st = c->n_skipped ? gorilla_fail(err, GORILLA_ERR_INVALID, "no call to constrain to: all %zu skipped (%s)",
                                         c->n_skipped, c->skip_reason ? c->skip_reason : "?")
                          : gorilla_fail(err, GORILLA_ERR_INVALID, "no call to constrain to: the store has no calls");
    for (size_t i = 0; !st && i < sizeof ESCAPES / sizeof *ESCAPES; i++) {
        char why[256];
        size_t n = strlen(ESCAPES[i]);
        if (!spellable(tok, ESCAPES[i], n, why, sizeof why)) continue;
        int32_t at = call_trie_find(&c->trie, ESCAPES[i], n);
        int is_call = at >= 0 && c->trie.nodes[at].terminal; /* a store call spelled like one */
        if (call_trie_add(&c->trie, ESCAPES[i], n)) {
            st = gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory");
            break;
        }
        if (!is_call) c->trie.nodes[call_trie_find(&c->trie, ESCAPES[i], n)].terminal = ESCAPE_TERMINAL;
    }
    if (!st) st = mark_calls(c, err);
    if (st) {
        gorilla_call_constraint_free(c);
        return st;
    }
    c->trie.n_calls = kept;
    *out = c;
    return GORILLA_OK;
}

void gorilla_call_constraint_free(gorilla_call_constraint *c)
{
    if (!c) return;
    call_trie_free(&c->trie);
    free(c->bytes);
    free(c->off);
    free(c->eog);
    free(c->entry);
    free(c->sorted);
    free(c->to_call);
    free(c->skip_reason);
    free(c);
}

size_t gorilla_call_constraint_n_calls(const gorilla_call_constraint *c) { return c ? c->trie.n_calls : 0; }

size_t gorilla_call_constraint_skipped(const gorilla_call_constraint *c, const char **first_reason)
{
    if (first_reason) *first_reason = c ? c->skip_reason : NULL;
    return c ? c->n_skipped : 0;
}
