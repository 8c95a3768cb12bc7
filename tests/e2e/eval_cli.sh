#!/usr/bin/env bash
# End-to-end: `gorilla eval` on fixtures written here (bad input included)
# and, when $GORILLA_DATA is set, on the released responses.
. "$(dirname "$0")/lib.sh"

expect_ok version "gorilla " "$G" --version
expect_ok help "eval" "$G" help
expect_ok eval-help "usage: gorilla eval" "$G" eval --help
expect_fail unknown-command "unknown command" "$G" frobnicate
expect_fail eval-no-args "no responses given" "$G" eval
expect_fail eval-bad-hub "unknown hub 'pytorch'" "$G" eval --hub pytorch --responses x --api y --apibench z

cat > "$TMP/api.jsonl" <<'J'
{"domain": "Classification", "api_call": "torch.hub.load(repo_or_dir='pytorch/vision', model='resnet50', pretrained=True)"}
{"domain": "Detection", "api_call": "torch.hub.load(repo_or_dir='ultralytics/yolov5', model='yolov5s', pretrained=True)"}
J
cat > "$TMP/eval.json" <<'J'
{"code": "###Instruction: classify\n###Output: x", "api_call": "a", "provider": "PyTorch", "api_data": {"domain": "Classification"}}
{"code": "###Instruction: detect\n###Output: x", "api_call": "b", "provider": "PyTorch", "api_data": {"domain": "Detection"}}
J
cat > "$TMP/resp.jsonl" <<'J'
{"question_id": 1, "text": "{'api_call': \"torch.hub.load('pytorch/vision', 'resnet50')\", 'api_provider': 'PyTorch'}"}
{"question_id": 2, "text": "{'api_call': \"torch.hub.load('pytorch/vision', 'resnet50')\", 'api_provider': 'PyTorch'}"}
{"question_id": 2, "text": "{'api_call': \"torch.hub.load('made/up', 'model')\", 'api_provider': 'PyTorch'}"}
{"question_id": 1, "text": "no call at all"}
J
E=(eval --hub th --api "$TMP/api.jsonl" --apibench "$TMP/eval.json")
expect_ok eval-single "accuracy        25.00%  (1)" "$G" "${E[@]}" --responses "$TMP/resp.jsonl" --verdicts "$TMP/v.jsonl"
want='{"question_id": 1, "verdict": "correct", "api_index": 0}
{"question_id": 2, "verdict": "error", "api_index": 0}
{"question_id": 2, "verdict": "hallucination", "api_index": -1}
{"question_id": 1, "verdict": "error", "api_index": -1}'
if [ "$(cat "$TMP/v.jsonl")" = "$want" ]; then pass eval-verdicts-file; else fail eval-verdicts-file "$(cat "$TMP/v.jsonl")"; fi
expect_ok eval-json '"accuracy": 0.250000' "$G" "${E[@]}" --responses "$TMP/resp.jsonl" --json

# Bad input: each a clear message naming the file (and line), never a crash.
printf '{"question_id": 1, "text": "x"}\n{"question_id": 2, "te' > "$TMP/trunc.jsonl"
expect_fail bad-truncated "trunc.jsonl:2:" "$G" "${E[@]}" --responses "$TMP/trunc.jsonl"
printf '{"question_id": 1}\n' > "$TMP/notext.jsonl"
expect_fail bad-no-text 'notext.jsonl:1: missing "text"' "$G" "${E[@]}" --responses "$TMP/notext.jsonl"
printf '{"question_id": 7, "text": "x"}\n' > "$TMP/range.jsonl"
expect_fail bad-question-id "range.jsonl:1: question_id 7 is out of range" "$G" "${E[@]}" --responses "$TMP/range.jsonl"
printf '{"question_id": 1, "text": "caf\xc3\x28"}\n' > "$TMP/utf8.jsonl"
expect_fail bad-utf8 "utf8.jsonl:1:" "$G" "${E[@]}" --responses "$TMP/utf8.jsonl"
: > "$TMP/empty.jsonl"
expect_fail bad-empty "empty.jsonl: empty file" "$G" "${E[@]}" --responses "$TMP/empty.jsonl"
expect_fail bad-missing "nope.jsonl: cannot open" "$G" "${E[@]}" --responses "$TMP/nope.jsonl"
printf 'garbage\n' > "$TMP/api_bad.jsonl"
expect_fail bad-api-file "api_bad.jsonl:1:" "$G" eval --hub th --api "$TMP/api_bad.jsonl" --apibench "$TMP/eval.json" --responses "$TMP/resp.jsonl"
head -c 3000 /dev/urandom > "$TMP/random.jsonl"
expect_fail bad-random-bytes "random.jsonl:1:" "$G" "${E[@]}" --responses "$TMP/random.jsonl"
expect_fail bad-name "cannot tell the hub" env GORILLA_DATA="$TMP" "$G" eval "$TMP/resp.jsonl"

if [ -n "${GORILLA_DATA:-}" ] && [ -f "$GORILLA_DATA/README.md" ]; then
  expect_ok eval-all-table "Gorilla_RT               oracle     |  93.01   6.99   0.00" "$G" eval --data "$GORILLA_DATA" --all
  if [ -n "${GORILLA_MEMCHECK:-}" ]; then echo "SKIP eval-many-files, eval-all-json, eval-strict: covered by eval-all-table under memcheck"; exit 0; fi
  expect_ok eval-many-files "Gorilla_FT               0_shot     |  75.81  16.13   8.06" "$G" eval --data "$GORILLA_DATA" \
    "$GORILLA_DATA/responses/torchhub/response_torchhub_Gorilla_FT_0_shot.jsonl"
  expect_ok eval-all-json '"model": "Gorilla_FT", "setting": "0_shot", "torchhub": {"total": 186' \
    "$G" eval --data "$GORILLA_DATA" --all --json
  expect_ok eval-strict "strict matching" "$G" eval --data "$GORILLA_DATA" --all --strict
else
  echo "SKIP eval-all: no APIBench data (set GORILLA_DATA)"
fi
