#include "bfcl/bfcl_internal.h"
bv *bfcl_decode_python(bfcl_ctx *c, const char *s, size_t len, const char **why) { (void)c; (void)s; (void)len; *why = "todo"; return NULL; }
bv *bfcl_decode_java(bfcl_ctx *c, const char *s, size_t len, const char **why) { (void)c; (void)s; (void)len; *why = "todo"; return NULL; }
bv *bfcl_decode_js(bfcl_ctx *c, const char *s, size_t len, const char **why) { (void)c; (void)s; (void)len; *why = "todo"; return NULL; }
