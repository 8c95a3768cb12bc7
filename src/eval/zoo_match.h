/* zoo_match.h — APIZoo call templates (REST and SDK) for the matcher (internal). */
#ifndef GORILLA_EVAL_ZOO_MATCH_H
#define GORILLA_EVAL_ZOO_MATCH_H

#include <stddef.h>

/* One APIZoo document's call as the matcher sees it. */
typedef struct {
    int rest;     /* 1: "METHOD /path"; 0: an SDK call skeleton */
    char *method; /* REST: "GET", ... */
    char *text;   /* REST: the path; SDK: the skeleton ("stripe.Charge.create()"); NULL: never matches */
} zoo_doc;

void zoo_doc_init(zoo_doc *d);
void zoo_doc_free(zoo_doc *d);
/* Reads a template api_call. Returns -1 on OOM. */
int zoo_doc_build(zoo_doc *d, const char *api_call);
/* The first document matching the candidate call text, or -1. */
long zoo_find(const zoo_doc *docs, size_t n, const char *call, size_t len);

#endif
