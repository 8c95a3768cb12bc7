#!/usr/bin/env bash
# The paper's test-time document change, on TorchHub: every API document's
# model name is changed (model='X' becomes model='X_v2', everywhere the name
# appears quoted in the document: the call and the example code), in the API
# store, in the eval pairs' gold documents and in the oracle questions' shown
# documents. The model is asked the changed oracle questions; its answers are
# judged against the changed store (the new call: correct) and against the
# original one (the old call: correct there). A retriever-aware model that
# reads the document writes the new call; one that answers from memory writes
# the old.
#
#   bench/doc_change.sh MODEL.gguf [LIMIT]       (GORILLA_DATA: APIBench)
set -eu
bin=${BIN:-build/release/gorilla}
model=${1:?usage: bench/doc_change.sh MODEL.gguf [LIMIT]}
limit=${2:-186}
data=${GORILLA_DATA:-../shared/apibench}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/new/api" "$work/new/apibench"
# X_v2 for every quoted model name X of the line's own model='X'
# (one document per line in all three files)
cat > "$work/rename.awk" <<'AWK'
{
  line = $0
  while (match(line, /model='[^']+'/)) {
    name = substr(line, RSTART + 7, RLENGTH - 8)
    line = substr(line, RSTART + RLENGTH)
    if (name ~ /_v2$/ || seen[name]++) continue
    pat = name; gsub(/[.+]/, "\\\\&", pat)
    gsub("'" pat "'", "'" name "_v2'")
    gsub("\\\\\"" pat "\\\\\"", "\\\"" name "_v2\\\"")
    gsub("\"" pat "\"", "\"" name "_v2\"")
  }
  delete seen
  print
}
AWK
rename() { awk -f "$work/rename.awk" "$1"; }
rename "$data/api/torchhub_api.jsonl" > "$work/new/api/torchhub_api.jsonl"
rename "$data/apibench/torchhub_eval.json" > "$work/new/apibench/torchhub_eval.json"
rename "$data/questions/torchhub/questions_torchhub_oracle.jsonl" > "$work/oracle_v2.jsonl"
changed=$(grep -c "_v2'" "$work/oracle_v2.jsonl" || true)
echo "documents changed: $(grep -c "_v2'" "$work/new/api/torchhub_api.jsonl") of $(wc -l < "$data/api/torchhub_api.jsonl");" \
     "oracle questions showing a changed document: $changed"
for c in off retrieved; do
  out=$work/resp_$c.jsonl
  "$bin" bench --hub th --model "$model" --questions "$work/oracle_v2.jsonl" --data "$work/new" \
    --out "$out" --limit "$limit" --constrain "$c" --no-eval > /dev/null 2>&1
  new=$("$bin" eval --hub th --api "$work/new/api/torchhub_api.jsonl" \
          --apibench "$work/new/apibench/torchhub_eval.json" --responses "$out" --json)
  old=$("$bin" eval --hub th --api "$data/api/torchhub_api.jsonl" \
          --apibench "$data/apibench/torchhub_eval.json" --responses "$out" --json)
  n_v2=$(grep -c "_v2" "$out" || true)
  echo "constrain $c: answers $(wc -l < "$out"); new call correct: $(echo "$new" | grep -o '"accuracy": *[0-9.]*' | head -1);" \
       "old call correct: $(echo "$old" | grep -o '"accuracy": *[0-9.]*' | head -1); answers naming a _v2 model: $n_v2"
done
