/* cmd_ask.c — `gorilla ask`: the right API call for a task, checked
 * against the API store. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

static const char USAGE[] =
    "usage: gorilla ask \"TASK\" [--hub HUB] [--retriever NAME|none] [-k K]\n"
    "                   [--model MODEL.gguf | --endpoint URL [--model-name NAME]]\n"
    "                   [--data ROOT | --api FILE] [--prompt gorilla|eval] [--json]\n"
    "\n"
    "Retrieves the API documents that fit the task; with a model, asks it for the\n"
    "API call (Gorilla prompt with the best document), parses the answer and checks\n"
    "the call against the store with the evaluator's matcher: a known API (which\n"
    "document) or not in the store (a hallucination warning). Without a model, the\n"
    "answer is the best documents with their calls and example code.\n"
    "\n"
    "  --hub HUB            torchhub|huggingface|tensorflowhub (default: all three)\n"
    "  --retriever NAME     gorilla (default), bm25-official, or none\n"
    "  -k K                 documents to show (default 3)\n"
    "  --model FILE         a local GGUF model (Gorilla LLaMA chat template)\n"
    "  --endpoint URL       an OpenAI-compatible server, e.g. http://127.0.0.1:8080/v1\n"
    "  --model-name NAME    the model name sent to the endpoint (default gorilla)\n"
    "  --api-key-env VAR    environment variable holding the endpoint's key (default OPENAI_API_KEY)\n"
    "  --retries N          endpoint retries on connection errors, 429 and 5xx (default 4)\n"
    "  --prompt STYLE       gorilla (default) or eval (the prompt for general chat models)\n"
    "  --template NAME      the local model's prompt: gorilla-v0, openfunctions-v1, openfunctions-v2\n"
    "                       (default: from the GGUF metadata, see gorilla info)\n"
    "  --data ROOT          API files: ROOT/api/<hub>_api.jsonl or ROOT/<hub>_api.jsonl\n"
    "                       (default: $GORILLA_DATA, else the starter store data/starter)\n"
    "  --api FILE           one API file (its hub from --hub or the file name)\n"
    "  -n N                 tokens to generate at most (default 256)\n"
    "  --temp T             temperature (default 0: greedy)\n"
    "  --constrain MODE     the call field limited to the store's calls: store, retrieved, off (default store)\n"
    "  --draft MODE         prompt-lookup speculative decoding: lookup, off (default lookup)\n"
    "  --ctx N, -t THREADS  context length and threads of the local model\n"
    "  --json               print one JSON object\n"
    "\n"
    "example: gorilla ask \"find a model that separates vocals from music\"\n";

int cmd_ask(int argc, char **argv)
{
    const char *task = NULL, *hub_s = NULL, *retriever = NULL, *data = NULL, *api = NULL;
    long k = 3;
    int json = 0;
    cli_gen_flags g = {0};
    cli_flag t[CLI_GEN_NFLAGS + 6];
    size_t n = cli_gen_flags_table(&g, t);
    t[n++] = CLI_F_BOOL("--json", NULL, &json);
    t[n++] = CLI_F_STR("--hub", NULL, &hub_s);
    t[n++] = CLI_F_STR("--retriever", NULL, &retriever);
    t[n++] = CLI_F_STR("--data", NULL, &data);
    t[n++] = CLI_F_STR("--api", NULL, &api);
    t[n++] = CLI_F_LONG("-k", NULL, &k, 1, 100, "needs an integer in [1, 100]");
    cli_positional pos = {&task, 1, 0, "give one task (quote it), not also"};
    int rc = cli_flags_parse("ask", USAGE, argc, argv, t, n, &pos);
    if (rc >= 0) return rc;
    if ((rc = cli_gen_flags_check("ask", &g))) return rc;
    if (!task || !*task) return cli_usage_error("ask", "no task given");
    int hub = -1;
    gorilla_asker *asker = NULL;
    rc = cli_asker_open("ask", data, api, hub_s, retriever, k, &g, &hub, &asker);
    if (rc) return rc;
    gorilla_error err = {0};
    gorilla_ask_result r;
    if (gorilla_ask(asker, task, hub, (size_t)k, &r, &err)) {
        gorilla_asker_free(asker);
        return cli_fail("ask", &err);
    }
    if (json) {
        char *s = gorilla_ask_result_json(asker, &r);
        if (s) printf("%s\n", s);
        else fprintf(stderr, "gorilla ask: out of memory\n"), rc = 1;
        free(s);
    } else {
        cli_print_ask(&r, gorilla_asker_model_id(asker));
    }
    gorilla_ask_result_clear(&r);
    gorilla_asker_free(asker);
    return rc;
}
