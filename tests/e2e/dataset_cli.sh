#!/usr/bin/env bash
# End-to-end: `gorilla dataset` (build, export, style) and `gorilla
# selfinstruct` against `gorilla serve --echo` as the teacher, on a small
# store written here; the eval-leak guard with a planted eval instruction.
set -u
. "$(dirname "$0")/lib.sh"

cat > "$TMP/api.jsonl" <<'J'
{"domain": "Classification", "framework": "PyTorch", "functionality": "Image Classification", "api_name": "resnet50", "api_call": "torch.hub.load(repo_or_dir='pytorch/vision', model='resnet50', pretrained=True)", "description": "A deep residual network that sorts photos into a thousand categories."}
{"domain": "Object Detection", "framework": "PyTorch", "functionality": "Object Detection", "api_name": "yolov5s", "api_call": "torch.hub.load(repo_or_dir='ultralytics/yolov5', model='yolov5s', pretrained=True)", "description": "A small and fast detector that finds people, cars and animals in images."}
J
cat > "$TMP/pairs.jsonl" <<'J'
{"code": "###Instruction: Count the cars passing my shop.\n###Output: <<<domain>>>: Object Detection\n<<<api_call>>>: torch.hub.load('ultralytics/yolov5', 'yolov5s', pretrained=True)\n<<<api_provider>>>: PyTorch\n<<<explanation>>>: A detector.\n<<<code>>>: import torch", "api_call": "torch.hub.load(repo_or_dir='ultralytics/yolov5', model='yolov5s', pretrained=True)", "provider": "PyTorch", "api_data": {"api_call": "torch.hub.load(repo_or_dir='ultralytics/yolov5', model='yolov5s', pretrained=True)"}}
{"code": "###Instruction: Sort my holiday photos.\n###Output: <<<domain>>>: Classification\n<<<api_call>>>: torch.hub.load('pytorch/vision', 'resnet50', pretrained=True)\n<<<api_provider>>>: PyTorch\n<<<explanation>>>: A classifier.\n<<<code>>>: import torch", "api_call": "torch.hub.load(repo_or_dir='pytorch/vision', model='resnet50', pretrained=True)", "provider": "PyTorch", "api_data": {"api_call": "torch.hub.load(repo_or_dir='pytorch/vision', model='resnet50', pretrained=True)"}}
J
# the eval file holds the second instruction, written differently
cat > "$TMP/evalset.jsonl" <<'J'
{"code": "###Instruction: sort MY holiday-photos!\n###Output: <<<api_call>>>: x()", "api_call": "x()", "provider": "PyTorch", "api_data": {"domain": "Classification"}}
J
cp "$TMP/evalset.jsonl" "$TMP/torchhub_eval.json"

expect_ok dataset-help "gorilla dataset build" "$G" dataset --help
expect_fail dataset-no-eval "no eval files to guard against" env -u GORILLA_DATA "$G" dataset build --pairs "$TMP/pairs.jsonl" -o "$TMP/x.json"
expect_fail dataset-refuse-eval "is not training input" "$G" dataset build --eval "$TMP/evalset.jsonl" --pairs "$TMP/torchhub_eval.json" -o "$TMP/x.json"
expect_fail dataset-refuse-same "one of the eval files given" "$G" dataset build --eval "$TMP/evalset.jsonl" --pairs "$TMP/evalset.jsonl" -o "$TMP/x.json"
expect_ok dataset-leak "eval leaks dropped 1" "$G" dataset build --eval "$TMP/evalset.jsonl" --pairs "$TMP/pairs.jsonl" --holdout 0 -o "$TMP/train.json"
if grep -qi "holiday" "$TMP/train.json"; then fail dataset-leak-absent "the eval instruction is in the training file"; else pass dataset-leak-absent; fi
expect_ok dataset-oracle "gold shown 1" "$G" dataset build --eval "$TMP/evalset.jsonl" --pairs "$TMP/pairs.jsonl" --api "$TMP/api.jsonl" --doc oracle --holdout 0 -o "$TMP/rt.jsonl"
if grep -qF 'Use this API documentation for reference: {\"domain\": \"Object Detection\"' "$TMP/rt.jsonl"; then pass dataset-oracle-doc; else fail dataset-oracle-doc "$(head -c 300 "$TMP/rt.jsonl")"; fi
expect_ok dataset-synth "train" "$G" dataset build --no-leak-check --synth 3 --api "$TMP/api.jsonl" --doc retriever -k 2 --holdout 0.3 --seed 7 -o "$TMP/syn.jsonl"
n=$(($(wc -l < "$TMP/syn.jsonl") + $(wc -l < "$TMP/syn.holdout.jsonl")))
[ "$n" -eq 6 ] && pass dataset-synth-count || fail dataset-synth-count "$n conversations, expected 6"
"$G" dataset build --no-leak-check --synth 3 --api "$TMP/api.jsonl" --doc retriever -k 2 --holdout 0.3 --seed 7 -o "$TMP/syn2.jsonl" >/dev/null 2>&1
cmp -s "$TMP/syn.jsonl" "$TMP/syn2.jsonl" && pass dataset-deterministic || fail dataset-deterministic "two runs differ"
expect_ok dataset-export "1 conversations (hf-chat)" "$G" dataset export --format hf-chat "$TMP/train.json" -o "$TMP/train.hf.jsonl"
if grep -qF '{"messages":[{"role":"user","content":"Count the cars passing my shop."},{"role":"assistant"' "$TMP/train.hf.jsonl"; then pass dataset-export-hf; else fail dataset-export-hf "$(head -c 300 "$TMP/train.hf.jsonl")"; fi
expect_ok dataset-export-back "1 conversations (fastchat)" "$G" dataset export --format fastchat "$TMP/train.hf.jsonl" -o "$TMP/back.json"
if grep -qF '"from":"gpt"' "$TMP/back.json"; then pass dataset-export-fastchat; else fail dataset-export-fastchat "$(head -c 300 "$TMP/back.json")"; fi
printf '{"code": "###Instruction: x", "api_call": "f()"}\n{"code": 3}\n' > "$TMP/bad.jsonl"
expect_fail dataset-bad-pairs "bad.jsonl:2: no string field \"code\"" "$G" dataset build --no-leak-check --pairs "$TMP/bad.jsonl" -o "$TMP/x.json"
printf '[{"conversations": [{"from": "human", "value": "hi"}]}]' > "$TMP/bad_conv.json"
expect_fail dataset-bad-conv "element 0: a conversation needs a user turn and an assistant turn" "$G" dataset export --format hf-chat "$TMP/bad_conv.json" -o "$TMP/x.jsonl"
expect_fail dataset-bad-format "export needs --format" "$G" dataset export --format alpaca "$TMP/train.json" -o "$TMP/x.jsonl"
expect_ok dataset-style "hit@1" "$G" dataset style --no-leak-check --synth 2 --api "$TMP/api.jsonl" --hub th --eval "$TMP/pairs.jsonl"

# selfinstruct against `gorilla serve --echo`: the echo teacher repeats the
# prompt, whose examples are other documents' calls: all counted as
# hallucinations, nothing kept; a rerun skips the finished documents.
"$G" serve --echo --port 0 >"$TMP/serve.log" 2>&1 &
SPID=$!
trap 'kill $SPID 2>/dev/null; rm -rf "$TMP"' EXIT
PORT=""
for _ in $(seq 300); do
  PORT=$(sed -n 's#.*listening on http://127\.0\.0\.1:\([0-9]*\)/v1.*#\1#p' "$TMP/serve.log")
  [ -n "$PORT" ] && break
  sleep 0.1
done
if [ -z "$PORT" ]; then fail selfinstruct-serve "the echo server did not start"; exit 1; fi
EX="$(dirname "$0")/../../data/selfinstruct/torchhub.json"
expect_ok selfinstruct-echo "dropped: hallucinated call" "$G" selfinstruct --endpoint "http://127.0.0.1:$PORT/v1" --hub th --api "$TMP/api.jsonl" --eval "$TMP/evalset.jsonl" --examples "$EX" -o "$TMP/si.jsonl"
if grep -q "documents asked 2" "$TMP/out" && [ "$(wc -l < "$TMP/si.jsonl.progress")" -eq 2 ]; then pass selfinstruct-progress; else fail selfinstruct-progress "$(cat "$TMP/out")"; fi
expect_ok selfinstruct-resume "documents asked 0, already done 2" "$G" selfinstruct --endpoint "http://127.0.0.1:$PORT/v1" --hub th --api "$TMP/api.jsonl" --eval "$TMP/evalset.jsonl" --examples "$EX" -o "$TMP/si.jsonl"
expect_fail selfinstruct-down "document 0" "$G" selfinstruct --endpoint "http://127.0.0.1:1/v1" --retries 0 --hub th --api "$TMP/api.jsonl" --eval "$TMP/evalset.jsonl" --examples "$EX" -o "$TMP/si2.jsonl"
expect_fail selfinstruct-no-endpoint "--endpoint URL" "$G" selfinstruct --hub th --api "$TMP/api.jsonl" -o "$TMP/si3.jsonl"
expect_fail selfinstruct-bad-examples "nope.json" "$G" selfinstruct --endpoint "http://127.0.0.1:$PORT/v1" --hub th --api "$TMP/api.jsonl" --examples "$TMP/nope.json" -o "$TMP/si4.jsonl"
kill $SPID 2>/dev/null
