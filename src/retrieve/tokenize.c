/* tokenize.c — tokenizer, stop words and stemmer of the default retriever. */
#include "retrieve/tokenize.h"

#include <stdlib.h>
#include <string.h>

/* Function words, and the words every API request uses ("need", "model",
 * "api", "help"), which say nothing about which API is wanted. */
static const char *const STOPWORDS[] = {
    "a", "able", "about", "again", "all", "also", "an", "analyze", "and", "any", "api", "app",
    "application", "are", "as", "at", "based", "be", "between", "both", "build", "building",
    "but", "by", "can", "company", "could", "create", "develop", "did", "do", "does", "don",
    "down", "each", "few", "find", "for", "from", "further", "get", "given", "go", "has", "have",
    "help", "here", "how", "i", "identify", "if", "in", "into", "is", "it", "its", "just", "know",
    "like", "looking", "make", "me", "model", "more", "most", "my", "need", "new", "no", "nor",
    "not", "now", "of", "on", "once", "one", "only", "or", "other", "our", "out", "over", "own",
    "please", "project", "provide", "recommend", "s", "same", "should", "so", "some", "such",
    "suggest", "system", "t", "team", "tell", "than", "that", "the", "their", "them", "then",
    "there", "these", "this", "those", "through", "to", "too", "two", "under", "up", "us", "use",
    "used", "user", "users", "using", "very", "want", "wants", "was", "we", "were", "what",
    "when", "where", "which", "who", "why", "will", "with", "would", "you", "your",
};

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int rt_is_stopword(const char *tok, size_t len)
{
    char key[16];
    if (len >= sizeof key) return 0;
    memcpy(key, tok, len);
    key[len] = '\0';
    const char *k = key;
    return bsearch(&k, STOPWORDS, sizeof STOPWORDS / sizeof STOPWORDS[0], sizeof STOPWORDS[0], cmp_str) != NULL;
}

static int ends_with(const char *w, size_t n, const char *suf)
{
    size_t s = strlen(suf);
    return n >= s && memcmp(w + n - s, suf, s) == 0;
}

/* Stems w in place (w has room for one extra character); returns the new length. */
static size_t stem(char *w, size_t n)
{
    /* nominalizations, so that "segmentation" meets "segment" and
     * "detection" meets "detect" ("-ification" -> "-ify" was tried and
     * lost on the TorchHub training pairs) */
    if (n > 8 && ends_with(w, n, "ation")) return n - 5;
    if (n > 6 && ends_with(w, n, "ction")) return n - 3;
    if (n > 4 && ends_with(w, n, "ies")) {
        w[n - 3] = 'y';
        return n - 2;
    }
    if (n > 5 && ends_with(w, n, "ing")) return n - 3;
    if (n > 4 && ends_with(w, n, "ed")) return n - 2;
    if (n > 3 && w[n - 1] == 's' && w[n - 2] != 's') return n - 1;
    return n;
}

static int is_lower(char c) { return c >= 'a' && c <= 'z'; }
static int is_upper(char c) { return c >= 'A' && c <= 'Z'; }
static int is_digit(char c) { return c >= '0' && c <= '9'; }

size_t rt_tokenize(const char *s, size_t len, rt_token_fn fn, void *ctx)
{
    char word[64];
    size_t count = 0, i = 0;
    while (i < len) {
        while (i < len && !is_lower(s[i]) && !is_upper(s[i]) && !is_digit(s[i])) i++;
        if (i >= len) break;
        size_t start = i;
        i++;
        while (i < len && (is_lower(s[i]) || is_upper(s[i]) || is_digit(s[i])) &&
               !(is_upper(s[i]) && is_lower(s[i - 1])))
            i++;
        size_t n = i - start;
        if (n < 2) continue;
        if (n >= sizeof word) n = sizeof word - 1; /* very long runs are truncated */
        for (size_t k = 0; k < n; k++) {
            char c = s[start + k];
            word[k] = is_upper(c) ? (char)(c - 'A' + 'a') : c;
        }
        if (rt_is_stopword(word, n)) continue;
        n = stem(word, n);
        fn(word, n, ctx);
        count++;
    }
    return count;
}

size_t rt_split_spaces(const char *s, size_t len, rt_token_fn fn, void *ctx)
{
    size_t count = 0, start = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i == len || s[i] == ' ') {
            fn(s + start, i - start, ctx);
            count++;
            start = i + 1;
        }
    }
    return count;
}
