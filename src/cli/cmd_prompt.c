/* cmd_prompt.c — `gorilla prompt`: question files in the published format. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

static const char USAGE[] =
    "usage: gorilla prompt --hub HUB --setting 0_shot|bm25|gpt_index|oracle\n"
    "                      [--apibench EVAL.json] [--retriever NAME]\n"
    "                      [--data ROOT | --api API.jsonl] [-o OUT.jsonl]\n"
    "\n"
    "Writes the question file of a setting (questions_<hub>_<setting>.jsonl) for\n"
    "the eval pairs: byte for byte the published format. bm25 and gpt_index put\n"
    "the top-1 document of the retriever in each prompt (bm25: bm25-official by\n"
    "default; gpt_index: give --retriever, e.g. gorilla).\n"
    "\n"
    "  --hub HUB          torchhub|huggingface|tensorflowhub (th|hf|tf)\n"
    "  --setting S        0_shot, bm25, gpt_index or oracle\n"
    "  --apibench FILE    eval pairs (default: ROOT/apibench/<hub>_eval.json)\n"
    "  --retriever NAME   gorilla or bm25-official (bm25/gpt_index settings)\n"
    "  --api FILE         API documents (default: ROOT/api/<hub>_api.jsonl)\n"
    "  --data ROOT        APIBench-shaped data folder (default: $GORILLA_DATA)\n"
    "  -o FILE            output file (default: stdout)\n"
    "\n"
    "example: gorilla prompt --hub th --setting oracle > questions_torchhub_oracle.jsonl\n";

/* 1 when the file's last byte is not a newline. */
static int last_line_unterminated(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) return 0;
    int r = 0;
    if (fseek(f, -1, SEEK_END) == 0) r = fgetc(f) != '\n';
    fclose(f);
    return r;
}

int cmd_prompt(int argc, char **argv)
{
    const char *hub_s = NULL, *setting_s = NULL, *apibench = NULL, *rname = NULL, *api = NULL, *data = NULL,
               *outp = NULL;
    const cli_flag ftab[] = {
        CLI_F_STR("--hub", NULL, &hub_s),         CLI_F_STR("--setting", NULL, &setting_s),
        CLI_F_STR("--apibench", NULL, &apibench), CLI_F_STR("--retriever", NULL, &rname),
        CLI_F_STR("--api", NULL, &api),           CLI_F_STR("--data", NULL, &data),
        CLI_F_STR("-o", NULL, &outp),
    };
    int rc = cli_flags_parse("prompt", USAGE, argc, argv, ftab, CLI_NFLAGS(ftab), NULL);
    if (rc >= 0) return rc;
    if (!hub_s) return cli_usage_error("prompt", "--hub is required");
    if (!setting_s) return cli_usage_error("prompt", "--setting is required");
    gorilla_hub hub;
    if (gorilla_hub_parse(hub_s, &hub) != 0) return cli_usage_error("prompt", "unknown hub '%s'", hub_s);
    gorilla_setting setting;
    if (gorilla_setting_parse(setting_s, &setting) != 0)
        return cli_usage_error("prompt", "unknown setting '%s' (0_shot, bm25, gpt_index, oracle)", setting_s);
    int needs_doc = setting == GORILLA_SETTING_BM25 || setting == GORILLA_SETTING_GPT_INDEX;
    if (setting == GORILLA_SETTING_GPT_INDEX && !rname)
        return cli_usage_error("prompt", "gpt_index needs --retriever (the published GPT-Index is not available)");
    if (!rname) rname = "bm25-official";

    gorilla_error err = {0};
    char evalp[4096], apip[4096];
    const char *root = NULL;
    if (!apibench || (needs_doc && !api)) {
        root = gorilla_data_root(data, &err);
        if (!root) return cli_fail("prompt", &err);
    }
    if (apibench) snprintf(evalp, sizeof evalp, "%s", apibench);
    else if (gorilla_data_path(root, hub, GORILLA_FILE_EVAL, NULL, NULL, evalp, sizeof evalp, &err) != GORILLA_OK)
        return cli_fail("prompt", &err);
    gorilla_pairs *pairs = NULL;
    gorilla_store *store = NULL;
    gorilla_retriever *r = NULL;
    FILE *out = stdout;
    rc = 1;
    if (gorilla_pairs_load(evalp, &pairs, &err) != GORILLA_OK) goto done;
    if (needs_doc) {
        if (api) snprintf(apip, sizeof apip, "%s", api);
        else if (gorilla_data_path(root, hub, GORILLA_FILE_API, NULL, NULL, apip, sizeof apip, &err) != GORILLA_OK)
            goto done;
        if (gorilla_store_load(apip, &store, &err) != GORILLA_OK) goto done;
        if (gorilla_retriever_new(store, rname, &r, &err) != GORILLA_OK) goto done;
    }
    if (outp) {
        out = fopen(outp, "w");
        if (!out) {
            snprintf(err.message, sizeof err.message, "%s: cannot open for writing", outp);
            out = stdout;
            goto done;
        }
    }
    unsigned flags = last_line_unterminated(evalp) ? GORILLA_QUESTIONS_LAST_LINE_UNTERMINATED : 0;
    if (gorilla_questions_write(out, pairs, setting, r, flags, &err) != GORILLA_OK) goto done;
    if (fflush(out) != 0) {
        snprintf(err.message, sizeof err.message, "write error");
        goto done;
    }
    rc = 0;
done:
    if (out != stdout && fclose(out) != 0 && rc == 0) {
        snprintf(err.message, sizeof err.message, "%s: write error", outp);
        rc = 1;
    }
    if (rc) cli_fail("prompt", &err);
    gorilla_retriever_free(r);
    gorilla_store_free(store);
    gorilla_pairs_free(pairs);
    return rc;
}
