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
    "  --data ROOT          API files: ROOT/api/<hub>_api.jsonl or ROOT/<hub>_api.jsonl\n"
    "                       (default: $GORILLA_DATA, else the starter store data/starter)\n"
    "  --api FILE           one API file (its hub from --hub or the file name)\n"
    "  -n N                 tokens to generate at most (default 256)\n"
    "  --temp T             temperature (default 0: greedy)\n"
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
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (cli_is_help(a)) {
            fputs(USAGE, stdout);
            return 0;
        }
        if (!strcmp(a, "--json")) {
            json = 1;
            continue;
        }
        if (a[0] != '-' || !a[1]) {
            if (task) return cli_usage_error("ask", "give one task (quote it), not also '%s'", a);
            task = a;
            continue;
        }
        if (!v) return cli_usage_error("ask", "%s needs a value", a);
        i++;
        int used, rc = cli_parse_gen_flag("ask", a, v, &g, &used);
        if (rc) return rc;
        if (used) continue;
        if (!strcmp(a, "--hub")) hub_s = v;
        else if (!strcmp(a, "--retriever")) retriever = v;
        else if (!strcmp(a, "--data")) data = v;
        else if (!strcmp(a, "--api")) api = v;
        else if (!strcmp(a, "-k")) {
            if (cli_parse_long(v, 1, 100, &k)) return cli_usage_error("ask", "-k needs an integer in [1, 100]");
        } else return cli_usage_error("ask", "unknown argument '%s'", a);
    }
    if (!task || !*task) return cli_usage_error("ask", "no task given");
    int hub = -1;
    gorilla_asker *asker = NULL;
    int rc = cli_asker_open("ask", data, api, hub_s, retriever, k, &g, &hub, &asker);
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
