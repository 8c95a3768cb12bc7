/* tools.h — function calling in `gorilla serve` (internal to src/net):
 * OpenAI's `tools` / `tool_choice` read from a chat request, the prompt
 * with the function documents, the model's output rendered as
 * `tool_calls`, and gorilla-cli's two endpoints. */
#ifndef GORILLA_NET_TOOLS_H
#define GORILLA_NET_TOOLS_H

#include <jansson.h>
#include <stddef.h>

typedef struct {
    json_t *functions; /* the function documents offered (a JSON array); NULL: no tools in play */
    int required;      /* tool_choice "required" or a named function */
} net_tools;

/* Reads `tools` (or the legacy `functions`) and `tool_choice` of a chat
 * request. 0 with t->functions NULL when there are none (or tool_choice is
 * "none"); -1 with msg set on bad input: tools not a list, a function
 * without a name, parameters not an object, an unknown tool_choice. */
int net_tools_parse(json_t *req, net_tools *t, char *msg, size_t cap);
void net_tools_clear(net_tools *t);

/* The prompt of a chat with tools: openfunctions-v1/v2 (template 1/2) put
 * the last user message and json.dumps(functions) in their template; any
 * other template puts BFCL's default system prompt (with the functions)
 * first, then the conversation in the Gorilla chat format (assistant tool
 * calls written as call text, tool results as user turns). NULL with msg
 * set on malformed messages. Caller frees. */
char *net_tools_prompt(const net_tools *t, int tmpl, json_t *messages, char *msg, size_t cap);

/* The OpenAI `tool_calls` array for a model output, or NULL when it is not
 * a call to the offered functions (it is then plain content). Ids are
 * "call_<id>_<i>"; arguments are JSON strings. */
json_t *net_tools_calls(const net_tools *t, const char *text, size_t len, unsigned long id);

/* gorilla-cli: the prompt for POST /commands ({"user_input", "system_info"})
 * and the JSON list of shell commands from the model's output (one per
 * line; numbering, "$ " and backticks dropped; at most 10, no repeats). */
char *net_cli_prompt(const char *user_input, const char *system_info);
json_t *net_cli_commands(const char *text, size_t len);

#endif
