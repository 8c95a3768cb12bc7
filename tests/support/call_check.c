/* call_check.c — see call_check.h. */
#include "support/call_check.h"

#include <string.h>

#include "decode/call_variants.h"

static int is_term(char b) { return b && strchr(" \n\r\t<'\",;}`", b) != NULL; }
static int is_ident(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'; }

typedef struct {
    const char *s;
    size_t n;
    int cut, ok;
} want;

static int try_spelling(void *user, const char *c, size_t cl)
{
    want *w = user;
    if (w->n >= cl && !memcmp(w->s, c, cl) && (w->n == cl || is_term(w->s[cl]))) w->ok = 1;
    if (w->cut && w->n < cl && !memcmp(w->s, c, w->n)) w->ok = 1;
    return w->ok;
}

static int spelled(const char *s, size_t n, const char *const *calls, size_t n_calls, int cut, int escapes)
{
    want w = {s, n, cut, 0};
    for (size_t i = 0; i < n_calls + (escapes ? 2 : 0) && !w.ok; i++) {
        const char *c = i < n_calls ? calls[i] : i == n_calls ? "None" : "no suitable API";
        call_variants(c, strlen(c), try_spelling, &w);
    }
    return w.ok;
}

int call_check(const char *s, size_t n, const char *const *calls, size_t n_calls, int cut)
{
    size_t sp = 0;
    while (n && (*s == ' ' || *s == '\t')) s++, n--, sp++;
    if (sp > 4) return 0;
    if (spelled(s, n, calls, n_calls, cut, 1)) return 1;
    /* NAME = CALL */
    size_t i = 0;
    if (i < n && ((s[i] >= 'a' && s[i] <= 'z') || s[i] == '_'))
        while (i < n && is_ident(s[i])) i++;
    if (i == 0 || i > 16) return 0;
    if (i == n) return cut;
    size_t j = i;
    if (s[j] == ' ') j++;
    if (j == n) return cut;
    if (s[j] != '=' || (j + 1 < n && s[j + 1] == '=')) return 0;
    j++;
    if (j < n && s[j] == ' ') j++;
    if (j == n) return cut;
    return spelled(s + j, n - j, calls, n_calls, cut, 0);
}
