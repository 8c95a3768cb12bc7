// check-llamacpp.mjs — a developer check (not part of `make test`): compares
// `gorilla logprobs` and `gorilla tokenize` with llama.cpp, through the CPU
// build that the npm package node-llama-cpp ships, on synthetic models
// written by tools/gguf_synth. Nothing of llama.cpp is part of the project.
//
//   npm install --prefix /tmp/llamacpp node-llama-cpp@3.22.1
//   node tools/check-llamacpp.mjs /tmp/llamacpp build/release            # LLaMA, every type
//   node tools/check-llamacpp.mjs /tmp/llamacpp build/release arch       # MPT and Falcon
//   node tools/check-llamacpp.mjs /tmp/llamacpp build/release files A.gguf ...
//   node tools/check-llamacpp.mjs /tmp/llamacpp build/release ref [A.gguf ...]
//
// ref: both engines judged against an exact float64 forward of each file
// (tools/ref64_probs, dequantized weights, no 8-bit activations, f64 KV):
// every tensor type (`gorilla quantize` of each file; a synthetic LLaMA
// file when none is given), per position the largest |p - p_exact| over
// the whole vocabulary, then its mean and max over the positions. Ours must
// be at least as close as llama.cpp in both.
//
// arch: synthetic MPT and Falcon files (gguf_synth --arch): top-1 agreement
// at decisive positions (>= 99% required), the largest |dp| over
// llama.cpp's top 5 (F32: <= 0.008 required), and the first 16 greedy
// tokens (identical required for F32 and F16). files: any GGUF files (converted
// checkpoints): the largest |dp| over llama.cpp's top 5 along 40 positions
// (<= 0.005 required) and the top-1 agreement.
//
// Prints, per tensor type, the top-1 agreement (positions where llama.cpp's
// two best differ by more than GAP) and the probability difference of
// llama.cpp's top token; then tokenization differences on a set of texts.
import {execFileSync} from "node:child_process";
import {mkdtempSync, rmSync} from "node:fs";
import {tmpdir} from "node:os";
import {join, resolve} from "node:path";

const [prefix = "/tmp/llamacpp", build = "build/release", mode = "llama", ...files] = process.argv.slice(2);
const {getLlama} = await import(resolve(prefix, "node_modules/node-llama-cpp/dist/index.js"));
const gorilla = resolve(build, "gorilla"), synth = resolve(build, "tools/gguf_synth");
const TYPES = ["F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K"];
const GAP = 0.001; // the synthetic models' distributions are flat (top p ~ 0.015)
const tokens = [1, ...Array.from({length: 120}, (_, i) => (20 + 13 * i) % 1000)];
const dir = mkdtempSync(join(tmpdir(), "gorilla-llamacpp-"));
const llama = await getLlama({gpu: false, build: "never", logLevel: "error"});
let failed = 0;

function softmaxTop(logits, k) {
  let mx = -Infinity;
  for (const v of logits.values()) if (v > mx) mx = v;
  let z = 0;
  for (const v of logits.values()) z += Math.exp(v - mx);
  return [...logits.entries()].map(([t, v]) => [t, Math.exp(v - mx) / z]).sort((a, b) => b[1] - a[1]).slice(0, k);
}

// Top-5 of llama.cpp against ours: [max |dp| over llama.cpp's top 5,
// decisive positions, agreeing ones], for the given positions' outputs.
function compare(ref, ours) {
  let n = 0, agree = 0, max = 0, sum = 0;
  ref.forEach((r, i) => {
    const mine = new Map(ours[i]);
    for (const [t, p] of r) max = Math.max(max, Math.abs(p - (mine.get(t) ?? 0)));
    sum += Math.abs(r[0][1] - (mine.get(r[0][0]) ?? 0));
    if (r[0][1] - r[1][1] > GAP) { n++; if (ours[i][0][0] === r[0][0]) agree++; }
  });
  return {max, mean: sum / ref.length, n, agree};
}

async function llamaTop(path, toks, ctx) {
  const model = await llama.loadModel({modelPath: path});
  const context = await model.createContext({contextSize: ctx});
  const seq = context.getSequence();
  const out = await seq.controlledEvaluate(toks.map(t => [t, {generateNext: {logits: true}}]));
  const ref = out.map(o => softmaxTop(o.next.logits, 5));
  await context.dispose();
  await model.dispose();
  return ref;
}

// llama.cpp's greedy continuation of prompt (n tokens), one token at a time.
async function llamaGreedy(path, prompt, n, ctx) {
  const model = await llama.loadModel({modelPath: path});
  const context = await model.createContext({contextSize: ctx});
  const seq = context.getSequence();
  const got = [];
  let input = prompt;
  for (let i = 0; i < n; i++) {
    const out = await seq.controlledEvaluate(input.map((t, j) => j === input.length - 1 ? [t, {generateNext: {logits: true}}] : t));
    const top = softmaxTop(out[out.length - 1].next.logits, 1)[0][0];
    got.push(top);
    input = [top];
  }
  await context.dispose();
  await model.dispose();
  return got;
}

function ourTop(path, toks, k) {
  return JSON.parse(execFileSync(gorilla, ["logprobs", "-m", path, "--tokens", toks.join(" "), "--top", String(k), "--json"]));
}

if (mode === "arch") {
  const ARCHS = [
    ["mpt", ["--arch", "mpt", "--n-head-kv", "4"]],
    ["mpt-tied", ["--arch", "mpt", "--n-head-kv", "4", "--tied"]],
    ["mpt-6h-biases-clamp", ["--arch", "mpt", "--n-embd", "384", "--n-head", "6", "--n-head-kv", "6", "--biases", "--clamp-kqv", "0.6"]],
    ["falcon", ["--arch", "falcon", "--n-head-kv", "1"]],
    ["falcon-kv2-norm2", ["--arch", "falcon", "--n-head-kv", "2", "--biases"]],
  ];
  const ATYPES = ["F32", "F16", "Q8_0", "Q4_0", "Q4_K", "Q6_K"];
  for (const [name, flags] of ARCHS)
    for (const type of ATYPES) {
      if (name !== "mpt" && name !== "falcon" && type !== "F32") continue;
      const path = join(dir, `${name}_${type}.gguf`);
      execFileSync(synth, ["-o", path, "--type", type, "--n-embd", "256", "--n-layer", "2", "--n-head", "4",
        "--n-ff", "1024", "--n-vocab", "1000", "--n-ctx", "256", "--seed", "7", ...flags]);
      const ref = await llamaTop(path, tokens, 256);
      const c = compare(ref, ourTop(path, tokens, 50));
      const prompt = [1, 20, 33], greedy = await llamaGreedy(path, prompt, 16, 256);
      const ours = ourTop(path, [...prompt, ...greedy.slice(0, 15)], 1);
      let same = 0;
      while (same < 16 && ours[prompt.length - 1 + same][0][0] === greedy[same]) same++;
      // greedy required for F32/F16; the quantized types' flat synthetic
      // distributions have near ties where the two engines' 8-bit
      // activations may pick differently (reported)
      const exact = type === "F32" || type === "F16";
      const ok = c.agree >= 0.99 * c.n && (type !== "F32" || c.max <= 0.008) && (!exact || same === 16);
      if (!ok) failed++;
      console.log(`${ok ? "PASS" : "FAIL"} ${name.padEnd(20)} ${type.padEnd(5)} top-1 ${c.agree}/${c.n}, |dp| top-5 max ${c.max.toExponential(2)}, top-1 mean ${c.mean.toExponential(2)}, greedy ${same}/16 identical`);
    }
  rmSync(dir, {recursive: true, force: true});
  process.exit(failed ? 1 : 0);
}

if (mode === "ref") {
  const ref64 = resolve(build, "tools/ref64_probs");
  const fullProbs = logits => softmaxTop(logits, logits.size).sort((a, b) => a[0] - b[0]).map(x => x[1]);
  let sources = files.map(f => resolve(f));
  if (!sources.length) {
    const p = join(dir, "synth_F32.gguf");
    execFileSync(synth, ["-o", p, "--type", "F32", "--n-embd", "256", "--n-layer", "2", "--n-head", "4",
      "--n-head-kv", "2", "--n-ff", "512", "--n-vocab", "1000", "--n-ctx", "256", "--seed", "7"]);
    sources = [p];
  }
  const RTYPES = ["F32", "F16", "BF16", "Q8_0", "Q6_K", "Q5_K", "Q4_K", "Q5_1", "Q5_0", "Q4_1", "Q4_0", "Q3_K", "Q2_K"];
  console.log("| file | type | ours mean / max | llama.cpp mean / max | verdict |\n|---|---|---|---|---|");
  for (const src of sources) {
    const info = execFileSync(gorilla, ["info", "-m", src]).toString();
    const V = Number((info.match(/vocab[^0-9]*([0-9]+)/i) || [])[1] || 256);
    const text = "Once upon a time, there was a little girl who wanted to find a model that separates vocals from music.";
    let toks = JSON.parse(execFileSync(gorilla, ["tokenize", "-m", src, "-p", text, "--json"]));
    if (toks.length < 24) toks = [1, ...Array.from({length: 63}, (_, i) => 3 + (7 * i + 11) % Math.max(4, V - 3))];
    toks = toks.slice(0, 48); // within the smallest test files' contexts (64)
    for (const type of RTYPES) {
      const path = join(dir, `ref_${type}.gguf`);
      try { execFileSync(gorilla, ["quantize", src, path, type], {stdio: "pipe"}); }
      catch (e) { console.log(`| ${src.split("/").pop()} | ${type} | (not written: ${String(e.stderr).trim().split("\n")[0]}) | | |`); continue; }
      const exact = execFileSync(ref64, [path, toks.join(" ")], {maxBuffer: 1 << 30}).toString().trim().split("\n")
        .map(l => l.split(" ").map(Number));
      const model = await llama.loadModel({modelPath: path});
      const context = await model.createContext({contextSize: Math.max(128, toks.length + 8)});
      const out = await context.getSequence().controlledEvaluate(toks.map(t => [t, {generateNext: {logits: true}}]));
      const theirs = out.map(o => fullProbs(o.next.logits));
      await context.dispose();
      await model.dispose();
      const ours = JSON.parse(execFileSync(gorilla, ["logprobs", "-m", path, "--tokens", toks.join(" "), "--top", String(V), "--json"],
        {maxBuffer: 1 << 30})).map(pos => { const a = new Array(V).fill(0); for (const [t, p] of pos) a[t] = p; return a; });
      const err = probs => {
        let sum = 0, max = 0;
        exact.forEach((e, i) => {
          let m = 0;
          for (let t = 0; t < e.length; t++) m = Math.max(m, Math.abs(probs[i][t] - e[t]));
          sum += m; max = Math.max(max, m);
        });
        return [sum / exact.length, max];
      };
      const [om, ox] = err(ours), [lm, lx] = err(theirs);
      const ok = om <= lm && ox <= lx;
      if (!ok) failed++;
      const f = x => x.toExponential(2);
      console.log(`| ${src.split("/").pop()} | ${type} | ${f(om)} / ${f(ox)} | ${f(lm)} / ${f(lx)} | ${ok ? "PASS" : "FAIL"} |`);
    }
  }
  rmSync(dir, {recursive: true, force: true});
  process.exit(failed ? 1 : 0);
}

if (mode === "files") {
  for (const path of files) {
    const info = execFileSync(gorilla, ["info", "-m", path]).toString();
    const V = Number((info.match(/vocab[^0-9]*([0-9]+)/i) || [])[1] || 256);
    const toks = [1, ...Array.from({length: 39}, (_, i) => 3 + (7 * i + 11) % Math.max(4, Math.min(V, 512) - 3))];
    const ref = await llamaTop(resolve(path), toks, 64);
    const ours = ourTop(path, toks, 50);
    const c = compare(ref, ours);
    // where the two engines' top-1 differ at a decisive position, the exact
    // float64 forward of the same file (tools/ref64_probs) says which is right
    let oursRight = 0, theirsRight = 0, split = 0;
    try {
      const exact = execFileSync(resolve(build, "tools/ref64_probs"), [resolve(path), toks.join(" ")], {maxBuffer: 1 << 30})
        .toString().trim().split("\n").map(l => l.split(" ").map(Number));
      ref.forEach((r, i) => {
        if (!(r[0][1] - r[1][1] > GAP) || ours[i][0][0] === r[0][0]) return;
        split++;
        const e = exact[i], best = e.indexOf(Math.max(...e));
        if (best === ours[i][0][0]) oursRight++;
        if (best === r[0][0]) theirsRight++;
      });
    } catch (e) { split = -1; }
    const ok = c.max <= 0.005;
    if (!ok) failed++;
    const judge = split > 0 ? `; of the ${split} that differ, the exact forward's top-1 is ours at ${oursRight}, llama.cpp's at ${theirsRight}` : "";
    console.log(`${ok ? "PASS" : "FAIL"} ${path}: |dp| top-5 max ${c.max.toExponential(2)}, top-1 ${c.agree}/${c.n}${judge}`);
  }
  rmSync(dir, {recursive: true, force: true});
  process.exit(failed ? 1 : 0);
}

for (const type of TYPES) {
  const path = join(dir, `m_${type}.gguf`);
  execFileSync(synth, ["-o", path, "--type", type, "--n-embd", "256", "--n-layer", "2", "--n-head", "4",
    "--n-head-kv", "2", "--n-ff", "512", "--n-vocab", "1000", "--n-ctx", "256", "--seed", "7"]);
  const model = await llama.loadModel({modelPath: path});
  const context = await model.createContext({contextSize: 256});
  const out = await context.getSequence().controlledEvaluate(tokens.map(t => [t, {generateNext: {logits: true}}]));
  const ref = out.map(o => softmaxTop(o.next.logits, 5));
  const ours = JSON.parse(execFileSync(gorilla, ["logprobs", "-m", path, "--tokens", tokens.join(" "), "--top", "5", "--json"]));
  let n = 0, agree = 0, sum = 0, max = 0;
  ref.forEach((r, i) => {
    const mine = new Map(ours[i]);
    const d = Math.abs(r[0][1] - (mine.get(r[0][0]) ?? 0));
    sum += d; max = Math.max(max, d);
    if (r[0][1] - r[1][1] > GAP) { n++; if (ours[i][0][0] === r[0][0]) agree++; }
  });
  const ok = agree >= 0.98 * n;
  if (!ok) failed++;
  console.log(`${ok ? "PASS" : "FAIL"} logprobs ${type.padEnd(5)} top-1 ${agree}/${n}, |dp| mean ${(sum / ref.length).toExponential(2)} max ${max.toExponential(2)}`);
  await context.dispose();
  await model.dispose();
}

const texts = ["hello world", "  two  spaces", "line1\nline2\n\nend",
  "model = torch.hub.load('pytorch/vision', 'resnet50', pretrained=True)", "\"quoted\" and 'single'",
  "café 日本語 😀", "tabs\tand\ttabs", " leading", "trailing ", "", "###USER: find a model\n###ASSISTANT: "];
const model = await llama.loadModel({modelPath: join(dir, "m_F32.gguf")});
let tokDiff = 0;
for (const t of texts) {
  const ref = model.tokenize(t, false);
  const ours = JSON.parse(execFileSync(gorilla, ["tokenize", "-m", join(dir, "m_F32.gguf"), "-p", t, "--json", "--no-bos"]));
  if (JSON.stringify([...ref]) !== JSON.stringify(ours)) { tokDiff++; console.log("DIFF", JSON.stringify(t), [...ref], ours); }
}
if (tokDiff) failed++;
console.log(`${tokDiff ? "FAIL" : "PASS"} tokenize: ${texts.length - tokDiff}/${texts.length} texts identical`);
rmSync(dir, {recursive: true, force: true});
process.exit(failed ? 1 : 0);
