#!/usr/bin/env bash
# APIBench with a local model (the shipped one by default): per hub, the
# settings 0-shot, the default retriever's best document (top-1) and best
# three (top-3) in the prompt, and the oracle document; each with the call
# free (--constrain off), limited to the store's calls (store), and (with
# documents in the prompt) to the calls of the documents shown (retrieved);
# rerank3: the model picks the one document of its prompt among the
# retriever's best three (--rerank 3). Documents are fitted to the model's
# context (fewer, then cut). One markdown row per
# run: accuracy, hallucination and error (compatible AST matching, as the
# published evaluator), answers per second.
#
#   bench/model_bench.sh [MODEL.gguf] [OUTDIR]     (GORILLA_DATA: APIBench)
#   HUBS="th hf tf" LIMIT=N THREADS=2 RUNS="0shot:off top1:off ..." to choose
set -eu
bin=${BIN:-build/release/gorilla}
model=${1:-data/gorilla-tiny.gguf}
out=${2:-build/model-bench}
data=${GORILLA_DATA:-../shared/apibench}
hubs=${HUBS:-th hf tf}
threads=${THREADS:-2}
runs=${RUNS:-0shot:off 0shot:store top1:off top1:store top1:retrieved top3:off top3:store top3:retrieved rerank3:off rerank3:store rerank3:retrieved oracle:off oracle:store}
mkdir -p "$out"
printf '| hub | setting | constrain | n | accuracy | hallucination | error | answers/s |\n|---|---|---|---|---|---|---|---|\n'
for hub in $hubs; do
  for run in $runs; do
    setting=${run%%:*} c=${run##*:}
    case $setting in
      0shot) args=(--setting 0_shot) ;;
      top1) args=(--retriever gorilla --prompt-docs 1) ;;
      top3) args=(--retriever gorilla --prompt-docs 3) ;;
      rerank3) args=(--retriever gorilla --rerank 3) ;;
      oracle) args=(--setting oracle) ;;
      *) echo "unknown setting $setting" >&2; exit 2 ;;
    esac
    [ -n "${LIMIT:-}" ] && args+=(--limit "$LIMIT")
    resp=$out/response_${hub}_${setting}_${c}.jsonl
    rm -f "$resp"
    t0=$(date +%s.%N)
    "$bin" bench --hub "$hub" --data "$data" --model "$model" --out "$resp" --constrain "$c" -t "$threads" \
      --no-eval "${args[@]}" > /dev/null 2> "$resp.log"
    t1=$(date +%s.%N)
    j=$("$bin" eval --hub "$hub" --data "$data" --responses "$resp" --json)
    get() { echo "$j" | grep -o "\"$1\": *[0-9.]*" | head -1 | sed 's/.*: *//'; }
    n=$(wc -l < "$resp")
    awk -v h="$hub" -v s="$setting" -v c="$c" -v n="$n" -v a="$(get accuracy)" -v hr="$(get hallucination_rate)" \
        -v e="$(get error_rate)" -v t0="$t0" -v t1="$t1" \
        'BEGIN { t = t1 - t0; printf "| %s | %s | %s | %d | %.1f | %.1f | %.1f | %.2f |\n", h, s, c, n, 100*a, 100*hr, 100*e, n/t }'
  done
done
