/* zoo_match.c — matching candidate calls against APIZoo call templates.
 *
 * APIZoo documents hold two kinds of api_call:
 *   - REST: "GET /scim2/Groups/{groupId}" — a method and a path whose {name}
 *     segments are placeholders;
 *   - SDK: "service.acl().delete(calendarId: str, ruleId: str).execute()",
 *     "stripe.Charge.create(amount={amount}, ...)" — a chain of names and
 *     calls whose argument lists are descriptions, not values.
 * So a candidate is matched by its shape, not its argument values:
 *   REST: same method, same number of path segments, every literal segment
 *         equal ({...} in the template matches any segment; the query string
 *         and a trailing '/' are ignored);
 *   SDK:  the call skeleton (argument lists emptied, whitespace dropped, up
 *         to the end of the chain of names, calls and attributes,
 *         "await"/"x = "/"return" prefixes dropped, {...} name segments as
 *         wildcards) equal; failing that, equal after dropping the receiver
 *         (the first name: "service." vs "drive_service.") when at least two
 *         segments remain.
 * The first document in file order wins, exact literal matches first. */
#include "eval/zoo_match.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

static const char *const METHODS[] = {"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"};

/* Finds "METHOD /path" in text: 1 and the method and path spans. */
static int find_rest(const char *t, size_t len, size_t *ms, size_t *ml, size_t *ps, size_t *pl)
{
    for (size_t i = 0; i < len; i++) {
        if (i > 0 && (isalnum((unsigned char)t[i - 1]) || t[i - 1] == '_')) continue;
        for (size_t k = 0; k < sizeof METHODS / sizeof METHODS[0]; k++) {
            size_t n = strlen(METHODS[k]);
            if (i + n + 1 >= len || memcmp(t + i, METHODS[k], n) != 0) continue;
            size_t j = i + n;
            if (t[j] != ' ' && t[j] != '\t') continue;
            while (j < len && (t[j] == ' ' || t[j] == '\t')) j++;
            if (j >= len) continue;
            size_t e = j;
            while (e < len && !isspace((unsigned char)t[e]) && t[e] != '\'' && t[e] != '"' && t[e] != '`' &&
                   t[e] != ',' && t[e] != ')' && t[e] != '?' && t[e] != '#')
                e++;
            while (e > j + 1 && t[e - 1] == '/') e--;
            /* a path: "/a/b", or "a/b" (some documents leave out the first '/') */
            if (t[j] != '/' && (!isalnum((unsigned char)t[j]) || !memchr(t + j, '/', e - j))) continue;
            *ms = i;
            *ml = n;
            *ps = j;
            *pl = e - j;
            return 1;
        }
    }
    return 0;
}

static int is_placeholder(const char *s, size_t n) { return n >= 2 && s[0] == '{' && s[n - 1] == '}'; }

/* The next '/'-separated segment of p[*pos..len): 1 and its span, or 0 at the end. */
static int next_segment(const char *p, size_t len, size_t *pos, size_t *start, size_t *n)
{
    size_t i = *pos;
    if (i < len && p[i] == '/') i++;
    if (i >= len) return 0;
    *start = i;
    while (i < len && p[i] != '/') i++;
    *n = i - *start;
    *pos = i;
    return 1;
}

/* Compares a template path with a candidate path segment by segment (a
 * leading '/' is optional on both). Returns 2 (every segment literally
 * equal), 1 (equal up to placeholders), 0 (different). */
static int rest_compare(const char *tp, size_t tl, const char *cp, size_t cl)
{
    int exact = 1;
    size_t i = 0, j = 0, a, sa, b, sb;
    for (;;) {
        int ha = next_segment(tp, tl, &i, &a, &sa), hb = next_segment(cp, cl, &j, &b, &sb);
        if (!ha || !hb) return ha == hb ? (exact ? 2 : 1) : 0;
        if (sa == sb && memcmp(tp + a, cp + b, sa) == 0) continue;
        if (is_placeholder(tp + a, sa) && sb > 0) {
            exact = 0;
            continue;
        }
        return 0;
    }
}

/* The SDK skeleton of text[0..len) into out (NUL-terminated); returns its
 * length, or 0 when the text holds no call. */
static size_t skeleton(const char *t, size_t len, char *out, size_t cap)
{
    size_t i = 0;
    /* an answer in the Gorilla format: what follows "api_call" */
    const char *tag = memmem(t, len, "api_call", 8);
    if (tag) {
        i = (size_t)(tag - t) + 8;
        while (i < len && (t[i] == '>' || t[i] == ':' || t[i] == '"' || t[i] == '\'' || t[i] == '`')) i++;
    }
    while (i < len && isspace((unsigned char)t[i])) i++;
    /* the first line that has a '(' (answers may add prose after it) */
    size_t e = i;
    while (e < len && t[e] != '\n') e++;
    if (!memchr(t + i, '(', e - i)) return 0;
    len = e;
    static const char *const PREFIXES[] = {"await ", "return ", "print("};
    for (size_t k = 0; k < sizeof PREFIXES / sizeof PREFIXES[0]; k++) {
        size_t n = strlen(PREFIXES[k]);
        if (len - i > n && memcmp(t + i, PREFIXES[k], n) == 0) i += n;
    }
    /* "name = call(...)": drop the assignment (an '=' before any '(' or '{') */
    for (size_t k = i; k < len && t[k] != '(' && t[k] != '{'; k++) {
        if (t[k] == '=' && (k + 1 >= len || t[k + 1] != '=') && k > i && t[k - 1] != '=' && t[k - 1] != '!') {
            i = k + 1;
            break;
        }
    }
    size_t n = 0;
    int depth = 0;
    char quote = 0;
    for (size_t k = i; k < len && n + 3 < cap; k++) {
        char c = t[k];
        if (quote) {
            if (c == '\\') k++;
            else if (c == quote) quote = 0;
            continue;
        }
        if (depth > 0) {
            if (c == '\'' || c == '"') quote = c;
            else if (c == '(' || c == '[' || c == '{') depth++;
            else if (c == ')' || c == ']' || c == '}') {
                if (--depth == 0) out[n++] = c == ')' ? ')' : c == ']' ? ']' : '}';
            }
            continue;
        }
        if (c == '(' || c == '[' || c == '{') {
            out[n++] = c;
            depth = 1;
        } else if (isalnum((unsigned char)c) || c == '_' || c == '.') {
            out[n++] = c;
        } else if (isspace((unsigned char)c)) {
            continue;
        } else if (c == ';') {
            break;
        } else {
            /* anything else after the chain ends it ("x.f() + 1") */
            if (n && out[n - 1] == ')') break;
            out[n++] = c;
        }
    }
    /* an argument list left open (unbalanced brackets, as some documents
     * have, or a truncated answer): close it */
    if (depth > 0 && n && out[n - 1] == '(' && n + 1 < cap) out[n++] = ')';
    /* the skeleton ends with a call or an attribute ("x.Ticker().actions") */
    while (n && !isalnum((unsigned char)out[n - 1]) && out[n - 1] != '_' && out[n - 1] != ')') n--;
    out[n] = '\0';
    return n;
}

/* Equal skeletons, with "{}" in the template matching any name segment. */
static int skel_equal(const char *t, const char *c)
{
    while (*t && *c) {
        if (t[0] == '{' && t[1] == '}' && (c[0] != '{')) {
            t += 2;
            while (*c && (isalnum((unsigned char)*c) || *c == '_')) c++;
            continue;
        }
        if (*t != *c) return 0;
        t++;
        c++;
    }
    return !*t && !*c;
}

/* The skeleton after its first name segment ("service.acl()..." -> "acl()..."),
 * or NULL when fewer than two segments would remain. */
static const char *drop_receiver(const char *s)
{
    const char *dot = strchr(s, '.');
    const char *paren = strchr(s, '(');
    if (!dot || (paren && paren < dot)) return NULL;
    const char *rest = dot + 1;
    return strchr(rest, '.') ? rest : NULL;
}

void zoo_doc_init(zoo_doc *d) { memset(d, 0, sizeof *d); }

void zoo_doc_free(zoo_doc *d)
{
    free(d->method);
    free(d->text);
    zoo_doc_init(d);
}

int zoo_doc_build(zoo_doc *d, const char *api_call)
{
    zoo_doc_init(d);
    if (!api_call) return 0;
    size_t len = strlen(api_call), ms, ml, ps, pl;
    if (find_rest(api_call, len, &ms, &ml, &ps, &pl) && ms < 4) {
        d->rest = 1;
        d->method = strndup(api_call + ms, ml);
        d->text = strndup(api_call + ps, pl);
        return d->method && d->text ? 0 : -1;
    }
    char *buf = malloc(len + 4);
    if (!buf) return -1;
    size_t n = skeleton(api_call, len, buf, len + 4);
    if (n == 0) {
        free(buf);
        return 0; /* neither REST nor a call: never matches */
    }
    d->text = buf;
    return 0;
}

long zoo_find(const zoo_doc *docs, size_t n, const char *call, size_t len)
{
    size_t ms, ml, ps, pl;
    if (find_rest(call, len, &ms, &ml, &ps, &pl)) {
        long loose = -1;
        for (size_t i = 0; i < n; i++) {
            const zoo_doc *d = &docs[i];
            if (!d->rest || strlen(d->method) != ml || memcmp(d->method, call + ms, ml) != 0) continue;
            int r = rest_compare(d->text, strlen(d->text), call + ps, pl);
            if (r == 2) return (long)i;
            if (r == 1 && loose < 0) loose = (long)i;
        }
        return loose;
    }
    char *sk = malloc(len + 4);
    if (!sk) return -1;
    long found = -1;
    if (skeleton(call, len, sk, len + 4) > 0) {
        for (size_t i = 0; i < n && found < 0; i++)
            if (!docs[i].rest && docs[i].text && skel_equal(docs[i].text, sk)) found = (long)i;
        const char *cr = drop_receiver(sk);
        for (size_t i = 0; i < n && found < 0 && cr; i++) {
            const char *tr = !docs[i].rest && docs[i].text ? drop_receiver(docs[i].text) : NULL;
            if (tr && skel_equal(tr, cr)) found = (long)i;
        }
    }
    free(sk);
    return found;
}
