// check-llamacpp-vocab.mjs — a developer check (not part of `make test`):
// our tokenizers against llama.cpp's on every vocabulary of
// ../shared/models/vocab, through the CPU build the npm package
// node-llama-cpp ships (vocabulary-only loads). Nothing of llama.cpp is part
// of the project.
//
//   npm install --prefix /tmp/llamacpp node-llama-cpp@3.22.1
//   node tools/check-llamacpp-vocab.mjs /tmp/llamacpp build/release [MODELS] [APIBENCH]
//
// Texts: every line of APIBench's instructions/outputs, API calls, example
// code and descriptions; the same fields whole (with their newlines); each
// vocabulary's own test texts; and 3000 random strings over letters, digits,
// punctuation, symbols, marks, spaces and controls of many scripts. Prints,
// per vocabulary, how many texts give identical ids (no BOS, no special
// parsing) and the first differences.
import {execFileSync} from "node:child_process";
import {readFileSync, readdirSync, existsSync} from "node:fs";
import {join, resolve} from "node:path";

const [prefix = "/tmp/llamacpp", build = "build/release", models = "../shared/models",
  data = "../shared/apibench"] = process.argv.slice(2);
const {getLlama} = await import(resolve(prefix, "node_modules/node-llama-cpp/dist/index.js"));
const tl = resolve(build, "tools/tokenize_lines");
const vocabDir = join(models, "vocab");

function jsonl(path, fields) {
  const out = [];
  for (const line of readFileSync(path, "utf8").split("\n")) {
    if (!line.trim()) continue;
    let j;
    try { j = JSON.parse(line); } catch { continue; }
    for (const f of fields) if (typeof j[f] === "string") out.push(j[f]);
  }
  return out;
}
const whole = [];
for (const f of ["torchhub_train.json", "torchhub_eval.json", "tensorflow_eval.json", "huggingface_eval.json"])
  whole.push(...jsonl(join(data, "apibench", f), ["code", "api_call"]));
for (const f of ["torchhub_api.jsonl", "tensorflowhub_api.jsonl", "huggingface_api.jsonl"])
  whole.push(...jsonl(join(data, "api", f), ["api_call", "example_code", "description"]));
const lines = [...new Set(whole.flatMap(t => t.split("\n")).filter(l => l.trim()))];

// random strings: a fixed LCG, pieces from many Unicode blocks and categories
let seed = 12345;
const rnd = n => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed % n; };
const POOL = ["a", "Z", "é", "ß", "ǅ", "ж", "Ω", "ع", "ह", "ि", "ก", "日", "本", "한", "ア", "ー", "𝐀", "😀", "🚀",
  "0", "7", "٣", "۵", "५", "０", "½", "²", "Ⅻ", "①", "'s", "'S", "'ll", "'RE", "'", ".", ",", "!", "?", "…",
  "、", "。", "！", "（", "«", "—", "-", "_", "$", "+", "<", "=", ">", "^", "`", "|", "~", "€", "©", "∑",
  "\u0301", "\u0308", " ", "  ", "\t", "\n", "\r\n", "\u00a0", "\u3000", "\u2028", "\u0085", "\u200b", "\u0001",
  "\u00ad", "\ufeff", "123", "4567", "3.14", "x = 1", "def f(a, b):", "http://x.io/a?b=c", "<s>", "</s>", "[CLS]",
  "<|endoftext|>", "##", "▁", "\\n", "\"", "{", "}", "[", "]"];
const random = Array.from({length: 3000}, () => Array.from({length: 1 + rnd(12)}, () => POOL[rnd(POOL.length)]).join(""));

const llama = await getLlama({gpu: false, build: "never", logLevel: "error"});
let failed = 0;
for (const file of readdirSync(vocabDir).filter(f => f.endsWith(".gguf")).sort()) {
  const path = join(vocabDir, file);
  const own = existsSync(path + ".inp")
    ? readFileSync(path + ".inp", "utf8").split("\n__ggml_vocab_test__\n").slice(0, -1) : [];
  const texts = [...lines, ...whole, ...own, ...random];
  const model = await llama.loadModel({modelPath: path, vocabOnly: true});
  const ref = texts.map(t => [...model.tokenize(t, false)]);
  await model.dispose();
  const ours = JSON.parse(execFileSync(tl, ["encode-json", path], {input: JSON.stringify(texts), maxBuffer: 1 << 30}));
  let same = 0;
  const diffs = [];
  const parts = {lines: [0, lines.length], whole: [0, whole.length], own: [0, own.length], random: [0, random.length]};
  texts.forEach((t, i) => {
    const ok = JSON.stringify(ref[i]) === JSON.stringify(ours[i]);
    const part = i < lines.length ? "lines" : i < lines.length + whole.length ? "whole"
      : i < lines.length + whole.length + own.length ? "own" : "random";
    if (ok) { same++; parts[part][0]++; } else if (diffs.length < 3) diffs.push([JSON.stringify(t).slice(0, 80), ref[i].slice(0, 12), ours[i].slice(0, 12)]);
  });
  if (same !== texts.length) failed++;
  console.log(`${same === texts.length ? "PASS" : "FAIL"} ${file}: ${same}/${texts.length} identical ` +
    Object.entries(parts).map(([k, [a, b]]) => `${k} ${a}/${b}`).join(", "));
  for (const d of diffs) console.log("   ", ...d.map(x => JSON.stringify(x)));
}
process.exit(failed ? 1 : 0);
