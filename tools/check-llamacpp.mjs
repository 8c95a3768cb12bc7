// check-llamacpp.mjs — a developer check (not part of `make test`): compares
// `gorilla logprobs` and `gorilla tokenize` with llama.cpp, through the CPU
// build that the npm package node-llama-cpp ships, on synthetic models
// written by tools/gguf_synth. Nothing of llama.cpp is part of the project.
//
//   npm install --prefix /tmp/llamacpp node-llama-cpp@3.22.1
//   node tools/check-llamacpp.mjs /tmp/llamacpp build/release
//
// Prints, per tensor type, the top-1 agreement (positions where llama.cpp's
// two best differ by more than GAP) and the probability difference of
// llama.cpp's top token; then tokenization differences on a set of texts.
import {execFileSync} from "node:child_process";
import {mkdtempSync, rmSync} from "node:fs";
import {tmpdir} from "node:os";
import {join, resolve} from "node:path";

const [prefix = "/tmp/llamacpp", build = "build/release"] = process.argv.slice(2);
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
