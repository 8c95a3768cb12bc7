/* ask.h — the ask pipeline (internal helpers; the public functions are in
 * gorilla.h, "End to end"). */
#ifndef GORILLA_PIPELINE_ASK_H
#define GORILLA_PIPELINE_ASK_H

#include <jansson.h>
#include "gorilla.h"

/* A JSON string of s (NULL: JSON null), invalid UTF-8 replaced by U+FFFD;
 * JSON null only when out of memory. */
json_t *ask_json_string(const char *s);

/* The hub a call's text most likely belongs to: torch.hub -> TorchHub,
 * hub.KerasLayer / hub.load / tfhub.dev -> TensorFlow Hub, else
 * HuggingFace. */
gorilla_hub ask_guess_hub(const char *call);

/* For the function-calling path (ask_functions.c): the asker's endpoint
 * client (NULL: none), its generation parameters, and its decoding
 * settings swapped with *constrain / *draft (call again to restore). */
gorilla_client *ask_client(gorilla_asker *a);
const gorilla_gen_params *ask_gen(const gorilla_asker *a);
void ask_swap_decoding(gorilla_asker *a, int *constrain, int *draft);

#endif
