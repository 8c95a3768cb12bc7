/* cmd_chat.c — `gorilla chat`: an interactive conversation that keeps its
 * history; each turn retrieves documents, asks the model (when given) and
 * checks the API call it returns. Reads lines from stdin (a pipe works). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"

static const char USAGE[] =
    "usage: gorilla chat [--model MODEL.gguf | --endpoint URL [--model-name NAME]] [--hub HUB]\n"
    "                    [--retriever NAME|none] [-k K] [--data ROOT | --api FILE] [--turns N]\n"
    "                    [-n N] [--temp T] [--ctx N] [-t THREADS] [--constrain store|retrieved|off] [--draft auto|lookup|off]\n"
    "\n"
    "One task per line on stdin. Each turn retrieves the best API documents; with a\n"
    "model, the conversation so far (the last --turns turns, default 4) and the new\n"
    "task with its best document go to the model in the Gorilla chat template, and\n"
    "the API call of the answer is checked against the store. Without a model, each\n"
    "turn answers from retrieval alone. Lines: /reset clears the history, /quit ends.\n";

typedef struct {
    char *user, *assistant;
} turn;

static char *read_line(FILE *f)
{
    char *line = NULL;
    size_t cap = 0;
    ssize_t n = getline(&line, &cap, f);
    if (n < 0) {
        free(line);
        return NULL;
    }
    while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r')) line[--n] = '\0';
    return line;
}

/* "###USER: u1\n###ASSISTANT: a1\n...###USER: now\n###ASSISTANT: " */
static char *history_prompt(const turn *h, size_t n, const char *now)
{
    size_t len = strlen(now) + 64;
    for (size_t i = 0; i < n; i++) len += strlen(h[i].user) + strlen(h[i].assistant) + 32;
    char *p = malloc(len), *w = p;
    if (!p) return NULL;
    for (size_t i = 0; i < n; i++) w += sprintf(w, "###USER: %s\n###ASSISTANT: %s\n", h[i].user, h[i].assistant);
    sprintf(w, "###USER: %s\n###ASSISTANT: ", now);
    return p;
}

int cmd_chat(int argc, char **argv)
{
    const char *hub_s = NULL, *retriever = NULL, *data = NULL, *api = NULL;
    long k = 3, max_turns = 4;
    cli_gen_flags g = {0};
    cli_flag t[CLI_GEN_NFLAGS + 6];
    size_t n = cli_gen_flags_table(&g, t);
    t[n++] = CLI_F_STR("--hub", NULL, &hub_s);
    t[n++] = CLI_F_STR("--retriever", NULL, &retriever);
    t[n++] = CLI_F_STR("--data", NULL, &data);
    t[n++] = CLI_F_STR("--api", NULL, &api);
    t[n++] = CLI_F_LONG("-k", NULL, &k, 1, 100, "needs an integer in [1, 100]");
    t[n++] = CLI_F_LONG("--turns", NULL, &max_turns, 0, 1000, "needs an integer >= 0");
    int rc = cli_flags_parse("chat", USAGE, argc, argv, t, n, NULL);
    if (rc >= 0) return rc;
    if ((rc = cli_gen_flags_check("chat", &g))) return rc;
    int hub = -1;
    gorilla_asker *asker = NULL;
    rc = cli_asker_open("chat", data, api, hub_s, retriever, k, &g, &hub, &asker);
    if (rc) return rc;
    gorilla_error err = {0};
    int tty = isatty(STDIN_FILENO);
    int has_model = gorilla_asker_has_model(asker);
    if (tty)
        fprintf(stderr, "gorilla chat: %s; one task per line, /reset, /quit\n",
                has_model ? gorilla_asker_model_id(asker) : "no model: answers from retrieval alone");
    turn *hist = NULL;
    size_t n_hist = 0;
    for (;;) {
        if (tty) fputs("> ", stderr);
        char *line = read_line(stdin);
        if (!line) break;
        if (!*line) {
            free(line);
            continue;
        }
        if (!strcmp(line, "/quit") || !strcmp(line, "/exit")) {
            free(line);
            break;
        }
        if (!strcmp(line, "/reset")) {
            for (size_t i = 0; i < n_hist; i++) free(hist[i].user), free(hist[i].assistant);
            n_hist = 0;
            printf("(history cleared)\n");
            free(line);
            continue;
        }
        /* retrieval first (no generation inside gorilla_ask: we build the
         * multi-turn prompt here) */
        gorilla_ask_result r;
        gorilla_status st = GORILLA_OK;
        if (!has_model) {
            st = gorilla_ask(asker, line, hub, (size_t)k, &r, &err);
            if (st == GORILLA_OK) {
                cli_print_ask(&r, NULL);
                gorilla_ask_result_clear(&r);
            }
        } else {
            /* the retrieval-only half of the pipeline on a model-less view:
             * ask with k documents, then generate with the history */
            st = gorilla_ask_retrieve(asker, line, hub, (size_t)k, &r, &err);
            char *user = NULL, *prompt = NULL, *text = NULL;
            if (st == GORILLA_OK) {
                user = gorilla_asker_task_text(asker, line, r.hits, r.n_hits);
                size_t from = max_turns >= 0 && n_hist > (size_t)max_turns ? n_hist - (size_t)max_turns : 0;
                prompt = user ? history_prompt(hist + from, n_hist - from, user) : NULL;
                if (!prompt) st = GORILLA_ERR_NOMEM, snprintf(err.message, sizeof err.message, "out of memory");
            }
            if (st == GORILLA_OK) st = gorilla_asker_generate(asker, prompt, &text, &err);
            if (st == GORILLA_OK) st = gorilla_answer_parse(text, strlen(text), &r.answer, &err);
            if (st == GORILLA_OK) {
                r.generated = 1;
                r.text = text;
                r.prompt = prompt;
                text = prompt = NULL;
                gorilla_asker_check(asker, r.answer.api_call, hub, &r);
                cli_print_ask(&r, gorilla_asker_model_id(asker));
                turn *nh = realloc(hist, (n_hist + 1) * sizeof *hist);
                if (nh) {
                    hist = nh;
                    hist[n_hist].user = strdup(line);
                    hist[n_hist].assistant = strdup(r.text);
                    if (hist[n_hist].user && hist[n_hist].assistant) n_hist++;
                    else free(hist[n_hist].user), free(hist[n_hist].assistant);
                }
            }
            free(user);
            free(prompt);
            free(text);
            gorilla_ask_result_clear(&r);
        }
        if (st != GORILLA_OK) fprintf(stderr, "gorilla chat: %s\n", err.message);
        printf("\n");
        fflush(stdout);
        free(line);
    }
    for (size_t i = 0; i < n_hist; i++) free(hist[i].user), free(hist[i].assistant);
    free(hist);
    gorilla_asker_free(asker);
    return 0;
}
