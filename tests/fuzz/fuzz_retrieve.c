/* fuzz_retrieve.c — libFuzzer target: the retriever's inputs from outside.
 * The first byte picks: 0 — a query searched with both retrievers;
 * 1 — a metadata constraint (then a search under it); 2 — an index file
 * (the bytes written to a temporary file and opened against the store);
 * 3 — a document added, then replacing document 0. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gorilla.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

static const char DOCS[] =
    "{\"domain\": \"Classification\", \"api_name\": \"resnet50\", \"api_call\": \"torch.hub.load(repo_or_dir='pytorch/vision', model='resnet50', pretrained=True)\", \"performance\": {\"dataset\": \"ImageNet\", \"accuracy\": {\"top1\": 76.1}}, \"description\": \"Residual network for images.\"}\n"
    "{\"domain\": \"Object Detection\", \"api_name\": \"yolov5s\", \"api_call\": \"torch.hub.load(repo_or_dir='ultralytics/yolov5', model='yolov5s')\", \"performance\": {\"dataset\": \"COCO\", \"accuracy\": \"37.4 mAP\", \"params\": \"7.2M\"}, \"description\": \"Finds objects.\"}\n"
    "{\"domain\": \"Audio\", \"api_call\": \"pipeline('audio-source-separation', model='x')\", \"performance\": null}\n";

static char *index_path;

/* Before libFuzzer reads its corpus: put a valid index file of the fixed
 * store there (prefixed with the selector byte 2), so mutations start from
 * a well-formed file rather than from nothing. */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    const char *corpus = NULL;
    for (int i = 1; i < *argc; i++)
        if ((*argv)[i][0] != '-') corpus = (*argv)[i];
    if (!corpus) return 0;
    gorilla_error err;
    gorilla_store *store;
    gorilla_retriever *r;
    if (gorilla_store_load_buffer("docs", DOCS, strlen(DOCS), &store, &err) != GORILLA_OK) return 0;
    char tmp[] = "/tmp/gorilla-fuzz-seed-XXXXXX";
    int fd = mkstemp(tmp);
    if (fd >= 0 && gorilla_retriever_new(store, NULL, &r, &err) == GORILLA_OK) {
        close(fd);
        if (gorilla_retriever_save(r, tmp, &err) == GORILLA_OK) {
            char out[4096];
            snprintf(out, sizeof out, "%s/seed-index", corpus);
            FILE *in = fopen(tmp, "rb"), *o = fopen(out, "wb");
            if (in && o) {
                fputc(2, o);
                int c;
                while ((c = fgetc(in)) != EOF) fputc(c, o);
            }
            if (in) fclose(in);
            if (o) fclose(o);
        }
        gorilla_retriever_free(r);
    }
    unlink(tmp);
    gorilla_store_free(store);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    gorilla_error err;
    gorilla_store *store;
    if (gorilla_store_load_buffer("docs", DOCS, strlen(DOCS), &store, &err) != GORILLA_OK) abort();
    char *text = malloc(size);
    if (!text) abort();
    memcpy(text, data + 1, size - 1);
    text[size - 1] = '\0';
    gorilla_hit hits[5];
    size_t n;
    switch (data[0] % 4) {
    case 0: {
        const char *names[] = {"gorilla", "bm25-official"};
        for (int k = 0; k < 2; k++) {
            gorilla_retriever *r;
            if (gorilla_retriever_new(store, names[k], &r, &err) != GORILLA_OK) abort();
            if (gorilla_retriever_search(r, text, 5, hits, &n, &err) == GORILLA_OK)
                for (size_t i = 0; i < n; i++)
                    if (hits[i].api_index >= 3) abort();
            gorilla_retriever_free(r);
        }
        break;
    }
    case 1: {
        gorilla_retriever *r;
        if (gorilla_retriever_new(store, NULL, &r, &err) != GORILLA_OK) abort();
        if (gorilla_retriever_where(r, text, &err) == GORILLA_OK &&
            gorilla_retriever_search(r, "image classification", 5, hits, &n, &err) == GORILLA_OK)
            for (size_t i = 0; i < n; i++)
                if (!gorilla_retriever_accepts(r, hits[i].api_index)) abort();
        gorilla_retriever_free(r);
        break;
    }
    case 2: {
        if (!index_path) {
            index_path = strdup("/tmp/gorilla-fuzz-index-XXXXXX");
            int fd = mkstemp(index_path);
            if (fd < 0) abort();
            close(fd);
        }
        FILE *f = fopen(index_path, "wb");
        if (!f) abort();
        fwrite(data + 1, 1, size - 1, f);
        fclose(f);
        gorilla_retriever *r;
        if (gorilla_retriever_open(index_path, store, &r, &err) == GORILLA_OK) {
            if (gorilla_retriever_search(r, "detect objects", 5, hits, &n, &err) == GORILLA_OK)
                for (size_t i = 0; i < n; i++)
                    if (hits[i].api_index >= 3) abort();
            gorilla_retriever_free(r);
        }
        break;
    }
    default: {
        gorilla_retriever *r;
        if (gorilla_retriever_new(store, NULL, &r, &err) != GORILLA_OK) abort();
        size_t idx;
        (void)gorilla_retriever_add(r, text, &idx, &err);
        (void)gorilla_retriever_replace(r, 0, text, &err);
        (void)gorilla_retriever_search(r, "classify images", 5, hits, &n, &err);
        gorilla_retriever_free(r);
        break;
    }
    }
    free(text);
    gorilla_store_free(store);
    return 0;
}
