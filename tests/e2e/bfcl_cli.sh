#!/usr/bin/env bash
# End-to-end: `gorilla bfcl eval` on fixtures written here (FC and prompting
# results in Python, Java and JavaScript; bad input) and, when the BFCL data
# is at ../shared/bfcl (or $GORILLA_BFCL), the official score files of the
# gpt-oss-120b run reproduced byte for byte.
. "$(dirname "$0")/lib.sh"

expect_ok bfcl-help "usage: gorilla bfcl eval" "$G" bfcl eval --help
expect_fail bfcl-no-results "--results DIR is needed" "$G" bfcl eval --data "$TMP"
expect_fail bfcl-bad-category "unknown category 'simple_cobol'" "$G" bfcl eval --data "$TMP" --results "$TMP" --category simple_cobol
expect_fail bfcl-no-files "no BFCL_v4_<category>_result.json" "$G" bfcl eval --data "$TMP" --results "$TMP"

D=$TMP/data; R=$TMP/res
mkdir -p "$D/possible_answer" "$R"
F='[{"name": "A.run", "parameters": {"type": "dict", "properties": {"n": {"type": "integer"}, "s": {"type": "String"}}, "required": ["n"]}}]'
FJ='[{"name": "A.run", "parameters": {"type": "dict", "properties": {"n": {"type": "long"}, "s": {"type": "String"}}, "required": ["n"]}}]'
FP='[{"name": "A.run", "parameters": {"type": "dict", "properties": {"n": {"type": "integer"}, "s": {"type": "string"}}, "required": ["n"]}}]'
for i in 0 1; do echo "{\"id\": \"simple_python_$i\", \"question\": [], \"function\": $FP}"; done > "$D/BFCL_v4_simple_python.json"
for i in 0 1; do echo "{\"id\": \"simple_java_$i\", \"question\": [], \"function\": $FJ}"; done > "$D/BFCL_v4_simple_java.json"
for i in 0 1; do echo "{\"id\": \"simple_javascript_$i\", \"question\": [], \"function\": $F}"; done > "$D/BFCL_v4_simple_javascript.json"
for i in 0 1; do echo "{\"id\": \"irrelevance_$i\", \"question\": [], \"function\": $FP}"; done > "$D/BFCL_v4_irrelevance.json"
for c in simple_python simple_java simple_javascript; do
  for i in 0 1; do echo "{\"id\": \"${c}_$i\", \"ground_truth\": [{\"A.run\": {\"n\": [3], \"s\": [\"a b\", \"\"]}}]}"; done
done > "$TMP/gt"
for c in simple_python simple_java simple_javascript; do grep "\"${c}_" "$TMP/gt" > "$D/possible_answer/BFCL_v4_$c.json"; done
# (the ```python fence: BFCL strips backticks, not the word "python": no decode)
cat > "$R/BFCL_v4_simple_python_result.json" <<'J'
{"id": "simple_python_0", "result": "[A.run(n=3, s='A-B')]"}
{"id": "simple_python_1", "result": "```python\nA.run(n=4)\n```"}
J
cat > "$R/BFCL_v4_simple_java_result.json" <<'J'
{"id": "simple_java_1", "result": "[A.run(n=3L, s=\"a b\")]"}
{"id": "simple_java_0", "result": "[A.run(n=3)]"}
J
cat > "$R/BFCL_v4_simple_javascript_result.json" <<'J'
{"id": "simple_javascript_0", "result": "[A.run(n=3, s='ab')]"}
{"id": "simple_javascript_1", "result": "[A.run(n=\"x\")]"}
J
cat > "$R/BFCL_v4_irrelevance_result.json" <<'J'
{"id": "irrelevance_0", "result": "I cannot help with that."}
{"id": "irrelevance_1", "result": "[A.run(n=1)]"}
J
expect_ok bfcl-prompt-table "simple_python              50.00%      1 / 2" "$G" bfcl eval --data "$D" --results "$R" --out "$TMP/score"
expect_ok bfcl-prompt-java "simple_java                50.00%      1 / 2" "$G" bfcl eval --data "$D" --results "$R"
expect_ok bfcl-prompt-json '"format": "prompt"' "$G" bfcl eval --data "$D" --results "$R" --json
if grep -q '"id": "simple_python_1".*"error_type": "ast_decoder:decoder_failed"' "$TMP/score/BFCL_v4_simple_python_score.json" &&
   grep -q '"id": "simple_java_0".*"error_type": "type_error:simple"' "$TMP/score/BFCL_v4_simple_java_score.json" &&
   grep -q '"id": "irrelevance_1".*"error_type": "irrelevance_error:decoder_success"' "$TMP/score/BFCL_v4_irrelevance_score.json"; then
  pass bfcl-score-files
else fail bfcl-score-files "$(head -c 400 "$TMP/score/BFCL_v4_simple_python_score.json")"; fi

# Bad input: clear messages naming file and line, exit 1.
printf '{"id": "simple_python_0", "result": "[A.run(n=3)]"}\n{"id": "simple_python_1", "resu\n' > "$R/BFCL_v4_simple_python_result.json"
expect_fail bfcl-bad-json "BFCL_v4_simple_python_result.json:2: not JSON" "$G" bfcl eval --data "$D" --results "$R"
printf '{"id": "simple_python_0", "result": "[A.run(n=3)]"}\n{"id": "simple_python_9", "result": "[]"}\n' > "$R/BFCL_v4_simple_python_result.json"
expect_fail bfcl-unknown-id '"simple_python_9" is not in the data' "$G" bfcl eval --data "$D" --results "$R"
printf '{"id": "simple_python_0", "result": "[A.run(n=3)]"}\n{"id": "simple_java_1", "result": "[]"}\n' > "$R/BFCL_v4_simple_python_result.json"
expect_fail bfcl-mixed "categories mixed in one file" "$G" bfcl eval --data "$D" --results "$R"
printf '{"id": "simple_python_0", "result": [{"A_run": "{\\"n\\": [[[[[[[[[[[[[[[[[[[["}]}\n{"id": "simple_python_1", "result": [{"A_run": 5}]}\n' > "$R/BFCL_v4_simple_python_result.json"
expect_ok bfcl-bad-args "simple_python               0.00%      0 / 2" "$G" bfcl eval --data "$D" --results "$R" --category simple_python

B=${GORILLA_BFCL:-../shared/bfcl}
if [ -d "$B/results/gpt-oss-120b/score" ]; then
  "$G" bfcl eval --data "$B/data" --results "$B/results/gpt-oss-120b/result" --out "$TMP/official" \
    --model-name openai_gpt-oss-120b >"$TMP/out" 2>"$TMP/err"
  same=0
  for f in "$B"/results/gpt-oss-120b/score/*.json; do cmp -s "$f" "$TMP/official/$(basename "$f")" && same=$((same + 1)); done
  if [ "$same" -eq 13 ]; then pass bfcl-official-13-files-identical; else fail bfcl-official-13-files-identical "$same of 13 identical"; fi
else
  echo "SKIP bfcl-official: no BFCL data at $B"
fi
