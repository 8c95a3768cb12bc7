#!/usr/bin/env bash
# End-to-end: `gorilla info`, `logprobs` and `generate` on synthetic GGUF
# models (tools/gguf_synth), plus broken model files.
. "$(dirname "$0")/lib.sh"
S=${GORILLA_TOOLS:?GORILLA_TOOLS not set}/gguf_synth

expect_ok info-help "usage: gorilla info" "$G" info --help
expect_ok logprobs-help "usage: gorilla logprobs" "$G" logprobs --help
expect_ok generate-help "usage: gorilla generate" "$G" generate --help
expect_fail info-no-model "-m MODEL.gguf is required" "$G" info
expect_fail info-missing-file "nope.gguf: cannot open" "$G" info -m "$TMP/nope.gguf"
expect_fail generate-both "exactly one of" "$G" generate -m x.gguf -p hi --tokens "1 2"
expect_fail logprobs-bad-tokens "expected token ids" "$G" logprobs -m x.gguf --tokens "1 x"

printf 'GGUF\003\000\000\000' > "$TMP/trunc.gguf"
expect_fail info-truncated "truncated file" "$G" info -m "$TMP/trunc.gguf"
printf 'GGML\003\000\000\000xxxxxxxxxxxxxxxx' > "$TMP/magic.gguf"
expect_fail info-bad-magic "not a GGUF file" "$G" info -m "$TMP/magic.gguf"

if [ ! -x "$S" ]; then
  echo "SKIP llm-synth: no $S"
  exit 0
fi
expect_fail synth-bad-type "unknown --type" "$S" -o "$TMP/x.gguf" --type Q9_9
"$S" -o "$TMP/m.gguf" --type Q4_0 --n-ctx 16 >/dev/null 2>&1 || { fail llm-synth "gguf_synth failed"; exit 0; }
"$S" -o "$TMP/k.gguf" --type Q6_K --n-embd 256 --n-ff 256 --tied --seed 5 >/dev/null 2>&1 || { fail llm-synth "gguf_synth failed"; exit 0; }

expect_ok info-arch "architecture:    llama" "$G" info -m "$TMP/m.gguf"
expect_ok info-types "Q4_0: 16" "$G" info -m "$TMP/m.gguf"
expect_ok info-tied "tied to token_embd" "$G" info -m "$TMP/k.gguf"
expect_ok info-memory "KV cache" "$G" info -m "$TMP/m.gguf" --ctx 32

expect_ok logprobs-json "[[[" "$G" logprobs -m "$TMP/m.gguf" --tokens "1 200 250" --top 3 --json
python3 - "$TMP/out" <<'P' && pass logprobs-shape || fail logprobs-shape "bad JSON shape: $(head -c 200 "$TMP/out")"
import json, sys
v = json.load(open(sys.argv[1]))
assert len(v) == 3 and all(len(p) == 3 for p in v)
for pos in v:
    ps = [p for _, p in pos]
    assert ps == sorted(ps, reverse=True) and 0 < sum(ps) <= 1.0000001
P
expect_fail logprobs-too-long "exceed the context" "$G" logprobs -m "$TMP/m.gguf" --tokens "$(seq -s ' ' 1 17)"
expect_ok logprobs-text "0 (token 1):" "$G" logprobs -m "$TMP/m.gguf" -p "load the model" --top 2
expect_fail logprobs-both "exactly one of" "$G" logprobs -m "$TMP/m.gguf" -p "x" --tokens "1"
expect_fail logprobs-bad-id "out of range" "$G" logprobs -m "$TMP/m.gguf" --tokens "1 300000"

expect_ok generate-json '"prompt_tokens": [1, ' "$G" generate -m "$TMP/k.gguf" -p "load the model" -n 5 --json
python3 - "$TMP/out" <<'P' && pass generate-shape || fail generate-shape "bad JSON: $(head -c 300 "$TMP/out")"
import json, sys
v = json.load(open(sys.argv[1]))
assert set(v) == {"prompt_tokens", "tokens", "text", "prefill_tok_s", "decode_tok_s"}
assert 1 <= len(v["tokens"]) <= 5 and isinstance(v["text"], str)
P
# greedy is deterministic and thread-count independent
"$G" generate -m "$TMP/m.gguf" --tokens "1 5 9" -n 8 --temp 0 --json -t 1 > "$TMP/g1" 2>/dev/null
"$G" generate -m "$TMP/m.gguf" --tokens "1 5 9" -n 8 --temp 0 --json -t 2 > "$TMP/g2" 2>/dev/null
if [ -s "$TMP/g1" ] && [ "$(sed 's/, "prefill.*//' "$TMP/g1")" = "$(sed 's/, "prefill.*//' "$TMP/g2")" ]; then
  pass generate-greedy-threads
else
  fail generate-greedy-threads "outputs differ: $(head -c 200 "$TMP/g1") / $(head -c 200 "$TMP/g2")"
fi
# the context ends generation without an error
expect_ok generate-ctx-end '"tokens": [' "$G" generate -m "$TMP/m.gguf" --tokens "1 2 3" -n 100 --json
