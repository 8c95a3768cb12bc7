#!/usr/bin/env bash
# End-to-end: `gorilla train` from scratch on a synthetic vocabulary
# (tools/gguf_synth): training, export loaded by `gorilla generate`, a run
# SIGKILLed mid-way and resumed ends with the uninterrupted run's loss bit
# for bit, bad inputs, NaN stop, the log and its plot.
. "$(dirname "$0")/lib.sh"
S=${GORILLA_TOOLS:?GORILLA_TOOLS not set}/gguf_synth

expect_ok train-help "usage: gorilla train" "$G" train --help
expect_fail train-no-data "--data FILE is required" "$G" train --init --vocab x.gguf -o y.gguf
expect_fail train-no-model "exactly one of --init" "$G" train --data x.json -o y.gguf
expect_fail train-bad-flag "unknown flag" "$G" train --frob
expect_fail train-bad-int "--dim needs an integer" "$G" train --dim x

if [ ! -x "$S" ]; then
  echo "SKIP train-synth: no $S"
  exit 0
fi
"$S" -o "$TMP/vocab.gguf" >/dev/null 2>&1 || { fail train-synth "gguf_synth failed"; exit 0; }

W=(alpha beta gamma delta omega sigma kappa theta)
{
  echo "["
  for i in $(seq 0 31); do
    [ "$i" -gt 0 ] && echo ","
    printf '{"id": "c%d", "conversations": [{"from": "human", "value": "call %d"}, {"from": "gpt", "value": "%s.%s(%d)"}]}' \
      "$i" "$i" "${W[$((i % 8))]}" "${W[$((i / 8 % 8))]}" "$i"
  done
  echo "]"
} > "$TMP/d.json"

A=(train --init --vocab "$TMP/vocab.gguf" --data "$TMP/d.json" --ctx 64 --batch 8 --steps 60 --lr 1e-2 --seed 7
   --val-fraction 0.2 --eval-every 20 -t 2 --quiet)
# under valgrind, a smaller shape (the checks below only need a model to exist)
[ -z "${GORILLA_MEMCHECK:-}" ] || A+=(--dim 48 --layers 1 --heads 2 --kv-heads 2 --ff 96)

# Under valgrind a training step is ~100x slower: the learning, kill/resume
# and kernel-set runs are covered by the release and ASan+UBSan passes; here
# one short run (with a checkpoint and a log for the checks below).
if [ -n "${GORILLA_MEMCHECK:-}" ]; then
  if "$G" "${A[@]}" --steps 2 --eval-every 1 --ckpt "$TMP/ck.bin" --ckpt-every 1 -o "$TMP/full.gguf" \
       --log "$TMP/full.log" >"$TMP/full.out" 2>"$TMP/full.err" && grep -q "^final step 2 loss" "$TMP/full.out"; then
    pass train-run-short
  else
    fail train-run-short "$(head -c 300 "$TMP/full.err")"
  fi
  echo "SKIP train-run, train-learns, train-log, train-generate, train-kill-resume, train-kernel-sets: long runs, covered by release and ASan+UBSan"
else
# the uninterrupted run
"$G" "${A[@]}" -o "$TMP/full.gguf" --log "$TMP/full.log" >"$TMP/full.out" 2>"$TMP/full.err"
if [ $? -ne 0 ] || ! grep -q "^final step 60 loss" "$TMP/full.out"; then
  fail train-run "$(head -c 300 "$TMP/full.err")"
else
  pass train-run
fi
first=$(head -1 "$TMP/full.log" | sed 's/.*"loss":\([0-9.e+-]*\).*/\1/')
last=$(awk '{print $5}' "$TMP/full.out")
if awk -v a="$first" -v b="$last" 'BEGIN { exit !(b < a / 2) }'; then pass train-learns; else fail train-learns "loss $first -> $last"; fi
if [ "$(wc -l < "$TMP/full.log")" -eq 60 ] && grep -q '"val_loss"' "$TMP/full.log" && grep -q '"mfu"' "$TMP/full.log"; then
  pass train-log
else
  fail train-log "$(head -2 "$TMP/full.log")"
fi
expect_ok train-generate "generated" sh -c "'$G' generate -m '$TMP/full.gguf' -p 'call 3' -n 8 --temp 0 2>&1"

# killed mid-way (SIGKILL after step 30), then resumed from the checkpoint
"$G" "${A[@]}" -o "$TMP/part.gguf" --ckpt "$TMP/ck.bin" --ckpt-every 7 --log "$TMP/part.log" >/dev/null 2>"$TMP/part.err" &
pid=$!
for _ in $(seq 1 600); do
  [ -f "$TMP/part.log" ] && [ "$(wc -l < "$TMP/part.log")" -ge 30 ] && break
  sleep 0.02
done
kill -9 $pid 2>/dev/null
wait $pid 2>/dev/null
killed_at=$(wc -l < "$TMP/part.log")
if [ "$killed_at" -ge 60 ] || [ ! -f "$TMP/ck.bin" ]; then
  fail train-kill "the run was not killed mid-way (log $killed_at lines)"
else
  "$G" "${A[@]}" -o "$TMP/part.gguf" --resume "$TMP/ck.bin" --ckpt-every 7 --log "$TMP/part.log" >"$TMP/res.out" 2>"$TMP/res.err"
  if [ "$(awk '{print $5, $7}' "$TMP/res.out")" = "$(awk '{print $5, $7}' "$TMP/full.out")" ] && [ -n "$last" ]; then
    pass "train-kill-resume (killed after step $killed_at; $(grep -o 'resumed.*' "$TMP/res.err"); final loss $last bit for bit)"
  else
    fail train-kill-resume "$(cat "$TMP/res.out") vs $(cat "$TMP/full.out"): $(head -c 300 "$TMP/res.err")"
  fi
  if cmp -s "$TMP/part.gguf" "$TMP/full.gguf"; then pass train-resume-same-gguf; else fail train-resume-same-gguf "GGUFs differ"; fi
  # the resumed log reads as one run: steps 1..60 once, the same losses
  if [ "$(sed 's/,"tok_s.*//' "$TMP/part.log")" = "$(sed 's/,"tok_s.*//' "$TMP/full.log")" ]; then pass train-resume-log
  else fail train-resume-log "$(wc -l < "$TMP/part.log") lines"; fi
fi

# every kernel set gives the same bits
sets=""
for cpu in scalar avx2 avx512; do
  sets="$sets $(GORILLA_CPU=$cpu "$G" "${A[@]}" --steps 3 --val-fraction 0 -o "$TMP/k.gguf" 2>/dev/null | awk '{print $5}')"
done
if [ "$(echo $sets | tr ' ' '\n' | sort -u | wc -l)" -eq 1 ]; then pass "train-kernel-sets (3 steps, final loss$sets)"
else fail train-kernel-sets "losses differ:$sets"; fi
fi

# checkpoints: corrupt, mismatched
cp "$TMP/ck.bin" "$TMP/bad.bin"
printf '\x55' | dd of="$TMP/bad.bin" bs=1 seek=500 conv=notrunc 2>/dev/null
expect_fail train-corrupt-ckpt "corrupt" "$G" "${A[@]}" -o "$TMP/x.gguf" --resume "$TMP/bad.bin"
expect_fail train-mismatched-ckpt "another model" "$G" "${A[@]}" --dim 32 -o "$TMP/x.gguf" --resume "$TMP/ck.bin"
expect_fail train-other-data-ckpt "other training data" "$G" "${A[@]}" --seed 8 -o "$TMP/x.gguf" --resume "$TMP/ck.bin"
expect_fail train-not-ckpt "not a gorilla training checkpoint" "$G" "${A[@]}" -o "$TMP/x.gguf" --resume "$TMP/d.json"

# NaN: an absurd learning rate; the last good checkpoint stays
expect_fail train-nan "the loss is NaN" "$G" "${A[@]}" --lr 1e30 --warmup 0 --clip 0 -o "$TMP/x.gguf" \
  --ckpt "$TMP/nan.bin" --ckpt-every 1
if grep -q "last good checkpoint is kept" "$TMP/err" && [ -f "$TMP/nan.bin" ]; then pass train-nan-ckpt-kept; else fail train-nan-ckpt-kept "$(cat "$TMP/err")"; fi

# bad data
printf '[{"conversations": [}]\n' > "$TMP/bad.json"
expect_fail train-bad-json "bad.json:1:" "$G" "${A[@]}" --data "$TMP/bad.json" -o "$TMP/x.gguf"
printf '{"id": "q1", "conversations": [{"from": "human", "value": "hi"}]}\n' > "$TMP/noasst.jsonl"
expect_fail train-no-assistant "noasst.jsonl:1 (id \"q1\"): the conversation has no assistant turn" \
  "$G" "${A[@]}" --data "$TMP/noasst.jsonl" -o "$TMP/x.gguf"
: > "$TMP/empty.jsonl"
expect_fail train-empty "no conversations" "$G" "${A[@]}" --data "$TMP/empty.jsonl" -o "$TMP/x.gguf"
expect_fail train-missing-data "nope.json" "$G" "${A[@]}" --data "$TMP/nope.json" -o "$TMP/x.gguf"
long=$(head -c 3000 /dev/zero | tr '\0' a)
printf '{"conversations": [{"from": "human", "value": "q"}, {"from": "gpt", "value": "%s"}]}\n' "$long" > "$TMP/long.jsonl"
cat "$TMP/long.jsonl" "$TMP/long.jsonl" > "$TMP/long2.jsonl"
expect_ok train-truncated "final step 2" "$G" "${A[@]}" --val-fraction 0 --steps 2 --data "$TMP/long2.jsonl" -o "$TMP/x.gguf"
if grep -q "2 conversations truncated at the context of 64 tokens" "$TMP/err"; then pass train-truncated-count; else fail train-truncated-count "$(cat "$TMP/err")"; fi

# LoRA on a Q4_0 base (frozen), merged on export
"$S" -o "$TMP/base.gguf" --type Q4_0 --n-ctx 64 >/dev/null 2>&1
if [ -n "${GORILLA_MEMCHECK:-}" ]; then
  echo "SKIP train-lora, train-lora-count, train-lora-adapter, train-lora-generate: covered by release and ASan+UBSan"
else
expect_ok train-lora "final step 10" "$G" train --model "$TMP/base.gguf" --lora-rank 4 --lora-targets q,k,v,o,gate,up,down \
  --data "$TMP/d.json" --ctx 64 --batch 4 --steps 10 --lr 1e-2 -t 2 --quiet -o "$TMP/lora.gguf" --lora-out "$TMP/adapter.gguf"
if grep -q "parameters, 8192 trained" "$TMP/err"; then pass train-lora-count; else fail train-lora-count "$(head -1 "$TMP/err")"; fi
expect_ok train-lora-adapter "adapter.lora.alpha" sh -c "grep -a -o adapter.lora.alpha '$TMP/adapter.gguf'"
expect_ok train-lora-generate "generated" sh -c "'$G' generate -m '$TMP/lora.gguf' -p 'call 3' -n 4 --temp 0 2>&1"
fi
expect_fail train-lora-out-needs-rank "--lora-out needs --lora-rank" "$G" "${A[@]}" --lora-out "$TMP/a.gguf" -o "$TMP/x.gguf"
expect_fail train-lora-needs-model "LoRA adapts a base model" "$G" "${A[@]}" --lora-rank 4 -o "$TMP/x.gguf"
expect_fail train-lora-bad-target "unknown matrix 'qq'" "$G" train --model "$TMP/base.gguf" --lora-rank 4 --lora-targets qq \
  --data "$TMP/d.json" -o "$TMP/x.gguf"

# plot
expect_ok train-plot "wrote" "$G" train plot "$TMP/full.log" -o "$TMP/loss.svg"
if grep -q "<polyline" "$TMP/loss.svg" && grep -q "validation" "$TMP/loss.svg"; then pass train-plot-svg; else fail train-plot-svg "no curve"; fi
expect_fail train-plot-bad "no {\"step\", \"loss\"} lines" "$G" train plot "$TMP/empty.jsonl" -o "$TMP/x.svg"
