#!/usr/bin/env bash
# `make model`: rebuilds the shipped model data/gorilla-tiny.gguf from APIBench
# ($GORILLA_DATA or ../shared/apibench), exactly: the same data, vocabulary,
# shape, seed and thread count give the same bytes (the trainer is
# deterministic for a fixed thread count; see docs/model.md).
#
#   tools/make-model.sh [BIN] [WORKDIR] [OUT]
#
# Steps (each deterministic):
#   1. training conversations with `gorilla dataset build` (seed 1):
#      TorchHub's published train pairs with the oracle document, with the
#      default retriever's top document (the gold is often missing: the answer
#      stays the gold call) and with no document (0-shot); HuggingFace and
#      TensorFlow Hub teacher-free pairs (--synth 1) with the oracle document.
#      Every APIBench eval instruction is refused (the leak guard).
#   2. a 4096-token byte-level BPE vocabulary learned on that text.
#   3. `gorilla train --init` on it: dim 128, 4 layers, 4 heads, ff 352, tied
#      head, 1024-token rows, 2 threads, checkpoints every 100 steps (a killed
#      run continues with the same command).
set -eu
bin=${1:-build/release/gorilla}
work=${2:-build/model}
out=${3:-data/gorilla-tiny.gguf}
data=${GORILLA_DATA:-../shared/apibench}
steps=${MODEL_STEPS:-2400}
threads=${MODEL_THREADS:-2}
if [ ! -f "$data/apibench/torchhub_train.json" ]; then
  echo "make-model: APIBench not found at $data (set GORILLA_DATA)" >&2
  exit 2
fi
mkdir -p "$work"
ds() { "$bin" dataset build --data "$data" --seed 1 "$@"; }
th_train=$data/apibench/torchhub_train.json
ds --hub th --pairs "$th_train" --doc oracle    -o "$work/th_oracle.jsonl"
ds --hub th --pairs "$th_train" --doc retriever -o "$work/th_ret.jsonl"
ds --hub th --pairs "$th_train" --doc none      -o "$work/th_none.jsonl"
ds --hub hf --synth 1 --doc oracle -o "$work/hf_oracle.jsonl"
ds --hub tf --synth 1 --doc oracle -o "$work/tf_oracle.jsonl"
cat "$work/th_oracle.jsonl" "$work/th_ret.jsonl" "$work/th_none.jsonl" \
    "$work/hf_oracle.jsonl" "$work/tf_oracle.jsonl" > "$work/train.jsonl"
cat "$work/th_oracle.holdout.jsonl" \
    "$work/tf_oracle.holdout.jsonl" > "$work/val.jsonl"
"$bin" vocab train --vocab-size 4096 --name gorilla-tiny -o "$work/vocab.gguf" "$work/train.jsonl"
resume=()
[ -f "$work/train.ckpt" ] && resume=(--resume "$work/train.ckpt")
"$bin" train --init --vocab "$work/vocab.gguf" --dim 128 --layers 4 --heads 4 --kv-heads 4 --ff 352 --tied \
  --ctx 1024 --batch 4 --steps "$steps" --lr 3e-3 --min-lr 3e-4 --warmup 100 --wd 0.1 --seed 1 \
  -t "$threads" --data "$work/train.jsonl" --val "$work/val.jsonl" --eval-every 400 \
  --ckpt "$work/train.ckpt" --ckpt-every 100 "${resume[@]}" --log "$work/train.log.jsonl" --quiet \
  -o "$work/gorilla-tiny.gguf"
cp "$work/gorilla-tiny.gguf" "$out"
sha256sum "$out"
