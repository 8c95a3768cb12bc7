#!/usr/bin/env bash
# A developer check, not part of `make test` (it needs Python with
# sentencepiece/regex, which the project does not depend on):
#   GORILLA_BIN=build/release/gorilla GORILLA_TOOLS=build/release/tools tools/check-tokenizer-reference.sh
# End-to-end: `gorilla tokenize` against independent references, when the
# machine has them (else SKIP):
#  - SentencePiece (python3-sentencepiece): a small BPE model with byte
#    fallback is trained on text made here, its pieces/scores/types written
#    to a GGUF, and ids must equal SentencePieceProcessor.encode.
#  - byte-level BPE: merges learned here by a plain Python BPE trainer, the
#    reference encoder is GPT-2's algorithm over the `regex` module's
#    pre-tokenizer pattern; ids must be equal.
. "$(dirname "$0")/../tests/e2e/lib.sh"

PY=""
for p in /usr/bin/python3 python3; do
  if "$p" -c 'import sentencepiece' >/dev/null 2>&1; then PY=$p; break; fi
done
PYRE=""
for p in python3 /usr/bin/python3; do
  if "$p" -c 'import regex' >/dev/null 2>&1; then PYRE=$p; break; fi
done

# Shared helpers: a GGUF writer for tokenizer metadata, and the test texts.
cat > "$TMP/common.py" <<'PY'
import struct, random
def s(x):
    b = x.encode(); return struct.pack('<Q', len(b)) + b
def kv_str(k, v): return s(k) + struct.pack('<I', 8) + s(v)
def kv_arr_str(k, vs): return s(k) + struct.pack('<IIQ', 9, 8, len(vs)) + b''.join(s(v) for v in vs)
def kv_arr_f32(k, vs): return s(k) + struct.pack('<IIQ', 9, 6, len(vs)) + b''.join(struct.pack('<f', v) for v in vs)
def kv_arr_i32(k, vs): return s(k) + struct.pack('<IIQ', 9, 5, len(vs)) + b''.join(struct.pack('<i', v) for v in vs)
def kv_u32(k, v): return s(k) + struct.pack('<II', 4, v)
def gguf(path, kvs):
    open(path, 'wb').write(b'GGUF' + struct.pack('<IQQ', 3, 0, len(kvs)) + b''.join(kvs))
WORDS = ("model torch hub load pytorch vision resnet50 pipeline transformers tensorflow "
         "classify image text the of and to a in is for with api_call api_provider "
         "explanation domain code def return import from print self None True False").split()
def corpus(n, seed):
    r = random.Random(seed); out = []
    for _ in range(n):
        k = r.randint(1, 14)
        line = ' '.join(r.choice(WORDS) for _ in range(k))
        if r.random() < 0.3: line = "model = torch.hub.load('pytorch/vision', '" + r.choice(WORDS) + "')"
        if r.random() < 0.2: line = '    ' + line + ':'
        if r.random() < 0.1: line += ' caf\u00e9 \u65e5\u672c \U0001F600 \u041f\u0440\u0438\u0432\u0435\u0442'
        out.append(line)
    return out
def texts(seed):
    r = random.Random(seed)
    alpha = list("abcXYZ019  \n\t'\"().,=_-/") + ["'s", "'ll", '\u00e9', '\u65e5\u672c', '\U0001F600', '    ', '\n\n']
    t = corpus(60, seed + 1)
    for _ in range(60):
        t.append(''.join(r.choice(alpha + WORDS) for _ in range(r.randint(0, 20))))
    t += [" leading", "  two", "trailing  ", "a\nb", "model = torch.hub.load('pytorch/vision', 'resnet50')"]
    return [x for x in t if x]
PY

# compare NAME GGUF EXPECTED: every line of texts.txt through gorilla tokenize.
compare() {
  local name=$1 model=$2 expected=$3 i=0 bad=0 first=""
  while IFS= read -r -d '' text; do
    i=$((i + 1))
    got=$("$G" tokenize -m "$model" -p "$text" --json --no-bos 2>&1)
    want=$(sed -n "${i}p" "$expected")
    if [ "$got" != "$want" ]; then
      bad=$((bad + 1))
      [ -n "$first" ] || first="text $i: got $got want $want"
    fi
  done < "$TMP/texts.bin"
  if [ "$i" -eq 0 ]; then fail "$name" "no texts"; return; fi
  if [ $bad -eq 0 ]; then pass "$name ($i texts)"; else fail "$name" "$bad of $i differ; $first"; fi
}

if [ -z "$PY" ]; then
  echo "SKIP tokenizer-vs-sentencepiece: python3 sentencepiece is not installed"
else
  (cd "$TMP" && "$PY" - <<'PY'
import sys; sys.path.insert(0, '.')
from common import *
import sentencepiece as spm
open('corpus.txt', 'w').write('\n'.join(corpus(4000, 11)) + '\n')
spm.SentencePieceTrainer.train(input='corpus.txt', model_prefix='sp', vocab_size=600, model_type='bpe',
    byte_fallback=True, normalization_rule_name='identity', remove_extra_whitespaces=False,
    add_dummy_prefix=True, allow_whitespace_only_pieces=True, character_coverage=1.0,
    unk_id=0, bos_id=1, eos_id=2, pad_id=-1, minloglevel=2)
sp = spm.SentencePieceProcessor(model_file='sp.model')
n = sp.get_piece_size()
types = [2 if sp.is_unknown(i) else 3 if sp.is_control(i) else 5 if sp.is_unused(i) else
         6 if sp.is_byte(i) else 1 for i in range(n)]
gguf('sp.gguf', [kv_str('tokenizer.ggml.model', 'llama'),
                 kv_arr_str('tokenizer.ggml.tokens', [sp.id_to_piece(i) for i in range(n)]),
                 kv_arr_f32('tokenizer.ggml.scores', [sp.get_score(i) for i in range(n)]),
                 kv_arr_i32('tokenizer.ggml.token_type', types),
                 kv_u32('tokenizer.ggml.bos_token_id', 1), kv_u32('tokenizer.ggml.unknown_token_id', 0)])
t = texts(21)
open('texts.bin', 'wb').write(b''.join(x.encode() + b'\0' for x in t))
open('sp.expected', 'w').write(''.join('[' + ', '.join(map(str, sp.encode(x))) + ']\n' for x in t))
PY
  ) >"$TMP/py.log" 2>&1 || { fail tokenizer-vs-sentencepiece "python: $(tail -c 300 "$TMP/py.log")"; }
  [ -f "$TMP/sp.gguf" ] && compare tokenizer-vs-sentencepiece "$TMP/sp.gguf" "$TMP/sp.expected"
fi

if [ -z "$PYRE" ]; then
  echo "SKIP tokenizer-vs-gpt2-bpe: python3 regex is not installed"
else
  (cd "$TMP" && "$PYRE" - <<'PY'
import sys; sys.path.insert(0, '.')
from common import *
import regex
from collections import Counter
pat = regex.compile(r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+""")
bs = list(range(ord('!'), ord('~') + 1)) + list(range(0xA1, 0xAD)) + list(range(0xAE, 0x100))
cs = bs[:]; k = 0
for b in range(256):
    if b not in bs: bs.append(b); cs.append(256 + k); k += 1
B = dict(zip(bs, map(chr, cs)))
words = Counter(''.join(B[b] for b in w.encode()) for w in pat.findall('\n'.join(corpus(3000, 12))))
seqs = {w: list(w) for w in words}
merges = []
for _ in range(300):
    pc = Counter()
    for w, c in words.items():
        q = seqs[w]
        for a, b in zip(q, q[1:]): pc[(a, b)] += c
    if not pc: break
    (a, b), _ = max(pc.items(), key=lambda kv: (kv[1], kv[0]))
    merges.append((a, b))
    for w in seqs:
        q = seqs[w]; out = []; i = 0
        while i < len(q):
            if i + 1 < len(q) and q[i] == a and q[i + 1] == b: out.append(a + b); i += 2
            else: out.append(q[i]); i += 1
        seqs[w] = out
vocab = [B[b] for b in range(256)]
for a, b in merges:
    if a + b not in vocab: vocab.append(a + b)
ids = {t: i for i, t in enumerate(vocab)}
ranks = {m: i for i, m in enumerate(merges)}
def bpe(w):
    word = list(w)
    while len(word) > 1:
        best = min(set(zip(word, word[1:])), key=lambda p: ranks.get(p, 1e18))
        if best not in ranks: break
        a, b = best; out = []; i = 0
        while i < len(word):
            if i + 1 < len(word) and word[i] == a and word[i + 1] == b: out.append(a + b); i += 2
            else: out.append(word[i]); i += 1
        word = out
    return word
def enc(t):
    return [ids[p] for w in pat.findall(t) for p in bpe(''.join(B[b] for b in w.encode()))]
gguf('bpe.gguf', [kv_str('tokenizer.ggml.model', 'gpt2'), kv_arr_str('tokenizer.ggml.tokens', vocab),
                  kv_arr_str('tokenizer.ggml.merges', [a + ' ' + b for a, b in merges])])
t = texts(22)
open('texts.bin', 'wb').write(b''.join(x.encode() + b'\0' for x in t))
open('bpe.expected', 'w').write(''.join('[' + ', '.join(map(str, enc(x))) + ']\n' for x in t))
PY
  ) >"$TMP/py2.log" 2>&1 || { fail tokenizer-vs-gpt2-bpe "python: $(tail -c 300 "$TMP/py2.log")"; }
  [ -f "$TMP/bpe.gguf" ] && compare tokenizer-vs-gpt2-bpe "$TMP/bpe.gguf" "$TMP/bpe.expected"
fi
