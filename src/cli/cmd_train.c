/* cmd_train.c — `gorilla train`: train a LLaMA model from scratch or
 * fine-tune a GGUF on FastChat conversations; `gorilla train plot`. */
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "gorilla/train.h"

static const char USAGE[] =
    "usage: gorilla train (--init --vocab VOCAB.gguf [shape] | --model BASE.gguf) --data FILE -o OUT.gguf [flags]\n"
    "       gorilla train plot LOG.jsonl -o loss.svg\n"
    "\n"
    "Trains on FastChat conversations ([{\"id\", \"conversations\": [{\"from\": \"human\"|\"gpt\", \"value\"}]}]\n"
    "or the same objects one per line), rendered with Gorilla's ###USER: ... ###ASSISTANT: template;\n"
    "the loss is over the assistant's tokens only. Writes an F32 LLaMA GGUF with the tokenizer copied.\n"
    "\n"
    "model:\n"
    "  --init               from scratch, random weights (needs --vocab)\n"
    "  --vocab FILE         a GGUF whose tokenizer (tokenizer.ggml.*) is used and copied\n"
    "  --dim N --layers N --heads N --kv-heads N --ff N   shape (default 64, 2, 4, 4, 172)\n"
    "  --tied               output head tied to the token embedding\n"
    "  --model FILE         full fine-tuning of a LLaMA GGUF (F32/F16/BF16 or quantized, dequantized to f32)\n"
    "  --lora-rank R        LoRA on --model (any tensor type; the base frozen, merged on export)\n"
    "  --lora-alpha A       LoRA scale alpha / rank (default 2 x rank)\n"
    "  --lora-targets LIST  matrices, of q,k,v,o,gate,up,down (default q,v)\n"
    "  --ctx N              tokens per training row (default 128)\n"
    "data:\n"
    "  --data FILE          training conversations (JSON or JSON lines)\n"
    "  --val FILE           validation conversations, or\n"
    "  --val-fraction F     hold out this fraction of --data (default 0)\n"
    "  --eval-every N       validation loss every N steps (default 50, and at the end)\n"
    "optimization:\n"
    "  --steps N (100)  --batch N rows (4)  --accum N micro-batches (1)  --lr X (1e-3)  --min-lr X (1e-4)\n"
    "  --warmup N (10)  --wd X (0.1)  --clip X global norm (1.0; 0 off)  --seed N (1)  -t THREADS (online CPUs)\n"
    "output:\n"
    "  -o FILE              the trained GGUF\n"
    "  --ckpt FILE          checkpoint written every --ckpt-every N steps (default 50) and at the end\n"
    "  --resume FILE        continue from a checkpoint (same flags and data); --ckpt defaults to it\n"
    "  --log FILE           one JSON line per step (step, loss, val_loss, lr, grad_norm, tok_s, mfu, elapsed)\n"
    "  --quiet              no progress line\n";

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void hms(double s, char *buf, size_t n)
{
    long t = s > 0 && s < 1e9 ? (long)(s + 0.5) : 0;
    if (t >= 3600) snprintf(buf, n, "%ld:%02ld:%02ld", t / 3600, t / 60 % 60, t % 60);
    else snprintf(buf, n, "%ld:%02ld", t / 60, t % 60);
}

static int cmd_plot(int argc, char **argv)
{
    const char *log = NULL, *out = NULL;
    for (int i = 1; i < argc; i++) {
        if (cli_is_help(argv[i])) {
            fputs(USAGE, stdout);
            return 0;
        }
        if (!strcmp(argv[i], "-o") && i + 1 < argc) out = argv[++i];
        else if (!log && argv[i][0] != '-') log = argv[i];
        else return cli_usage_error("train plot", "unexpected argument '%s'", argv[i]);
    }
    if (!log || !out) return cli_usage_error("train plot", "usage: gorilla train plot LOG.jsonl -o loss.svg");
    gorilla_error err;
    if (gorilla_train_plot(log, out, &err)) return cli_fail("train plot", &err);
    printf("wrote %s\n", out);
    return 0;
}

typedef struct {
    const char *name;
    long lo, hi;
    int *ip;
    long *lp;
} int_flag;

int cmd_train(int argc, char **argv)
{
    if (argc > 1 && !strcmp(argv[1], "plot")) return cmd_plot(argc - 1, argv + 1);
    gorilla_train_opts o;
    gorilla_train_opts_init(&o);
    const char *out = NULL, *ckpt = NULL, *resume = NULL, *logp = NULL;
    int init = 0, quiet = 0, threads = 0;
    double lora_alpha = 0;
    const char *targets = "q,v";
    long eval_every = 50, ckpt_every = 50, seed = 1;
    double warm = o.warmup_steps;
    int_flag ints[] = {{"--dim", 2, 1 << 16, &o.n_embd, NULL},     {"--layers", 1, 1024, &o.n_layer, NULL},
                       {"--heads", 1, 4096, &o.n_head, NULL},      {"--kv-heads", 1, 4096, &o.n_head_kv, NULL},
                       {"--ff", 1, 1 << 20, &o.n_ff, NULL},        {"--ctx", 2, 1 << 16, &o.n_ctx, NULL},
                       {"--batch", 1, 4096, &o.batch, NULL},       {"--accum", 1, 4096, &o.grad_accum, NULL},
                       {"-t", 1, 256, &threads, NULL},             {"--lora-rank", 1, 4096, &o.lora_rank, NULL},             {"--steps", 0, 1L << 40, NULL, &o.steps},
                       {"--eval-every", 0, 1L << 40, NULL, &eval_every},
                       {"--ckpt-every", 0, 1L << 40, NULL, &ckpt_every},
                       {"--seed", 0, 0x7fffffffffffffffL, NULL, &seed}};
    struct {
        const char *name;
        double *p;
    } dbls[] = {{"--lr", &o.lr},   {"--min-lr", &o.min_lr}, {"--warmup", &warm},
                {"--wd", &o.weight_decay}, {"--clip", &o.grad_clip}, {"--val-fraction", &o.val_fraction},
                {"--lora-alpha", &lora_alpha}};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (cli_is_help(a)) {
            fputs(USAGE, stdout);
            return 0;
        }
        if (!strcmp(a, "--init")) { init = 1; continue; }
        if (!strcmp(a, "--tied")) { o.tied = 1; continue; }
        if (!strcmp(a, "--quiet")) { quiet = 1; continue; }
        int done = 0;
        for (size_t k = 0; k < sizeof ints / sizeof *ints && !done; k++)
            if (!strcmp(a, ints[k].name)) {
                long x;
                if (!v || cli_parse_long(v, ints[k].lo, ints[k].hi, &x))
                    return cli_usage_error("train", "%s needs an integer in [%ld, %ld]", a, ints[k].lo, ints[k].hi);
                if (ints[k].ip) *ints[k].ip = (int)x;
                else *ints[k].lp = x;
                done = 1;
            }
        for (size_t k = 0; k < sizeof dbls / sizeof *dbls && !done; k++)
            if (!strcmp(a, dbls[k].name)) {
                if (!v || cli_parse_double(v, dbls[k].p) || !(*dbls[k].p >= 0))
                    return cli_usage_error("train", "%s needs a number >= 0", a);
                done = 1;
            }
        if (done) { i++; continue; }
        const char **sp = !strcmp(a, "--vocab") ? &o.vocab_path : !strcmp(a, "--model") || !strcmp(a, "-m") ? &o.base_model
                        : !strcmp(a, "--data") ? &o.data_path : !strcmp(a, "--val") ? &o.val_path
                        : !strcmp(a, "-o") ? &out : !strcmp(a, "--ckpt") ? &ckpt : !strcmp(a, "--resume") ? &resume
                        : !strcmp(a, "--log") ? &logp : !strcmp(a, "--lora-targets") ? &targets : NULL;
        if (!sp) return cli_usage_error("train", "unknown flag '%s' (see gorilla train --help)", a);
        if (!v) return cli_usage_error("train", "%s needs a value", a);
        *sp = v;
        i++;
    }
    o.warmup_steps = warm;
    if (o.lora_rank) {
        static const char *const names[] = {"q", "k", "v", "o", "gate", "up", "down"};
        static const unsigned bits[] = {GORILLA_LORA_Q,    GORILLA_LORA_K,  GORILLA_LORA_V,   GORILLA_LORA_O,
                                        GORILLA_LORA_GATE, GORILLA_LORA_UP, GORILLA_LORA_DOWN};
        char buf[256];
        snprintf(buf, sizeof buf, "%s", targets);
        for (char *save = NULL, *tk = strtok_r(buf, ",", &save); tk; tk = strtok_r(NULL, ",", &save)) {
            size_t k = 0;
            while (k < 7 && strcmp(tk, names[k])) k++;
            if (k == 7) return cli_usage_error("train", "--lora-targets: unknown matrix '%s' (q,k,v,o,gate,up,down)", tk);
            o.lora_targets |= bits[k];
        }
        o.lora_alpha = lora_alpha > 0 ? (float)lora_alpha : 2.0f * (float)o.lora_rank;
    }
    o.seed = (uint64_t)seed;
    o.n_threads = threads;
    if (init == !!o.base_model) return cli_usage_error("train", "give exactly one of --init (with --vocab) or --model");
    if (!o.data_path) return cli_usage_error("train", "--data FILE is required");
    if (!out) return cli_usage_error("train", "-o OUT.gguf is required");
    if (o.n_head_kv > o.n_head) o.n_head_kv = o.n_head;
    if (resume && !ckpt) ckpt = resume;

    gorilla_error err;
    gorilla_trainer *t;
    if (gorilla_trainer_new(&o, &t, &err)) return cli_fail("train", &err);
    gorilla_train_info info;
    gorilla_trainer_info(t, &info);
    fprintf(stderr,
            "gorilla train: %zu parameters, %zu trained (vocab %d, dim %d, %d layers, %d/%d heads, ff %d, ctx %d%s), kernels %s\n"
            "gorilla train: %zu conversations -> %zu rows, %zu assistant tokens; validation %zu conversations, %zu "
            "rows\n",
            info.n_params, info.n_trained_params, info.n_vocab, info.n_embd, info.n_layer, info.n_head, info.n_head_kv, info.n_ff, info.n_ctx,
            info.tied ? ", tied" : "", info.kernels, info.train_convs, info.train_rows, info.train_trained,
            info.val_convs, info.val_rows);
    if (info.truncated || info.dropped)
        fprintf(stderr, "gorilla train: %zu conversations truncated at the context of %d tokens, %zu dropped (no "
                        "assistant token left)\n",
                info.truncated, info.n_ctx, info.dropped);
    if (resume) {
        if (gorilla_trainer_resume(t, resume, &err)) {
            gorilla_trainer_free(t);
            return cli_fail("train", &err);
        }
        fprintf(stderr, "gorilla train: resumed from %s at step %ld\n", resume, gorilla_trainer_step_count(t));
    }
    FILE *logf = NULL;
    if (logp && !(logf = fopen(logp, resume ? "a" : "w"))) {
        fprintf(stderr, "gorilla train: %s: cannot write the log\n", logp);
        gorilla_trainer_free(t);
        return 1;
    }
    double peak = gorilla_train_peak_flops(threads > 0 ? threads : (int)sysconf(_SC_NPROCESSORS_ONLN));
    fprintf(stderr, "gorilla train: %.4g model FLOPs per token; measured f32 product peak %.1f GFLOP/s (MFU base)\n",
            info.flops_per_token, peak / 1e9);
    int tty = isatty(STDERR_FILENO);
    long start_step = gorilla_trainer_step_count(t), every = o.steps / 20 > 0 ? o.steps / 20 : 1;
    double t0 = now(), last_val = NAN, final_loss = NAN;
    size_t tokens = 0;
    int rc = 0;
    while (gorilla_trainer_step_count(t) < o.steps) {
        gorilla_train_stats s;
        if (gorilla_trainer_step(t, &s, &err)) {
            if (tty && !quiet) fputc('\n', stderr);
            fprintf(stderr, "gorilla train: %s\n", err.message);
            if (ckpt) fprintf(stderr, "gorilla train: the last good checkpoint is kept: %s\n", ckpt);
            rc = 1;
            break;
        }
        final_loss = s.loss;
        tokens += s.tokens;
        double val = NAN;
        int last = s.step == o.steps;
        if (info.val_rows && ((eval_every > 0 && s.step % eval_every == 0) || last)) {
            if (gorilla_trainer_eval(t, &val, &err)) {
                rc = cli_fail("train", &err);
                break;
            }
            last_val = val;
        }
        double el = now() - t0, tps = el > 0 ? (double)tokens / el : 0;
        double mfu = peak > 0 ? tps * info.flops_per_token / peak : 0;
        double eta = (double)(o.steps - s.step) * el / (double)(s.step - start_step);
        if (logf) {
            fprintf(logf, "{\"step\":%ld,\"loss\":%.9g,", s.step, s.loss);
            if (!isnan(val)) fprintf(logf, "\"val_loss\":%.9g,", val);
            fprintf(logf, "\"lr\":%.6g,\"grad_norm\":%.6g,\"tokens\":%zu,\"tok_s\":%.1f,\"mfu\":%.4f,\"elapsed\":%.3f}\n",
                    s.lr, s.grad_norm, s.tokens, tps, mfu, el);
            fflush(logf);
        }
        if (!quiet && (tty || s.step % every == 0 || last)) {
            char e1[32], e2[32], vb[32] = "-";
            hms(el, e1, sizeof e1);
            hms(eta, e2, sizeof e2);
            if (!isnan(last_val)) snprintf(vb, sizeof vb, "%.4f", last_val);
            fprintf(stderr, "%sstep %ld/%ld  loss %.4f  val %s  lr %.2e  %.0f tok/s  MFU %.1f%%  %s  ETA %s%s",
                    tty ? "\r" : "", s.step, o.steps, s.loss, vb, s.lr, tps, 100 * mfu, e1, e2, tty ? "   " : "\n");
        }
        if (ckpt && ckpt_every > 0 && s.step % ckpt_every == 0 && !last && gorilla_trainer_save(t, ckpt, &err)) {
            rc = cli_fail("train", &err);
            break;
        }
    }
    if (tty && !quiet) fputc('\n', stderr);
    if (logf) fclose(logf);
    if (!rc && ckpt && gorilla_trainer_save(t, ckpt, &err)) rc = cli_fail("train", &err);
    if (!rc && gorilla_trainer_export(t, out, &err)) rc = cli_fail("train", &err);
    if (!rc) {
        printf("final step %ld loss %.17g", gorilla_trainer_step_count(t), final_loss);
        if (!isnan(last_val)) printf(" val_loss %.17g", last_val);
        printf(" time %.3f s\n", now() - t0);
        fprintf(stderr, "gorilla train: wrote %s\n", out);
    }
    gorilla_trainer_free(t);
    return rc;
}
