/*
 * gorilla.h — the public C API of libgorilla.
 *
 * Gorilla finds the right API call for a task: an API store and retriever,
 * a LLaMA-family inference engine, and the APIBench AST evaluator.
 *
 * Conventions
 *  - Objects are opaque handles with a `gorilla_<noun>_new/_load` and a
 *    `gorilla_<noun>_free` (free accepts NULL).
 *  - Functions that can fail return a gorilla_status and, when given a
 *    non-NULL gorilla_error*, fill it with a message naming where (file,
 *    line, column when known) and what went wrong. Nothing in the library
 *    prints or exits.
 *  - Strings are UTF-8 and NUL-terminated; returned `const char *` point
 *    into the object that returned them and live as long as it does.
 *  - No global mutable state: distinct objects may be used from distinct
 *    threads. One object is not safe to use from two threads at once unless
 *    its comment says so.
 */
#ifndef GORILLA_H
#define GORILLA_H

/* One header per module, in the order data flows (store -> eval ->
 * retrieve -> prompt -> llm -> net -> pipeline); each includes what it
 * uses. Including this file gives the whole API. */
#include "gorilla/base.h"
#include "gorilla/store.h"
#include "gorilla/eval.h"
#include "gorilla/retrieve.h"
#include "gorilla/prompt.h"
#include "gorilla/llm.h"
#include "gorilla/net.h"
#include "gorilla/pipeline.h"
#include "gorilla/bfcl.h"
#include "gorilla/train.h"
#include "gorilla/dataset.h"
#include "gorilla/convert.h"

#endif /* GORILLA_H */
