// check-train-llamacpp.mjs — a developer check (not part of `make test`):
// loads a GGUF written by `gorilla train` in llama.cpp (the CPU build the npm
// package node-llama-cpp ships) and compares its next-token probabilities
// with `gorilla logprobs` over a prompt; optionally with a LoRA adapter
// written by --lora-out applied by llama.cpp to the base, against ours on
// the merged model. Nothing of llama.cpp is part of the project.
//
//   npm install --prefix /tmp/llamacpp node-llama-cpp@3.22.1
//   node tools/check-train-llamacpp.mjs /tmp/llamacpp build/release MODEL.gguf "PROMPT" [BASE.gguf ADAPTER.gguf]
//
// Prints the max and mean |p_llama.cpp - p_ours| of llama.cpp's top token
// per position, and the top-1 agreement.
import {execFileSync} from "node:child_process";
import {resolve} from "node:path";

const [prefix, build, modelPath, prompt, basePath, adapterPath] = process.argv.slice(2);
const {getLlama} = await import(resolve(prefix, "node_modules/node-llama-cpp/dist/index.js"));
const gorilla = resolve(build, "gorilla");
const llama = await getLlama({gpu: false, build: "never", logLevel: "error"});
const tokens = JSON.parse(execFileSync(gorilla, ["tokenize", "-m", modelPath, "-p", prompt, "--json"]));

function softmax(logits) {
  let mx = -Infinity;
  for (const v of logits.values()) if (v > mx) mx = v;
  let z = 0;
  for (const v of logits.values()) z += Math.exp(v - mx);
  return [...logits.entries()].map(([t, v]) => [t, Math.exp(v - mx) / z]).sort((a, b) => b[1] - a[1]);
}

const model = await llama.loadModel({modelPath: resolve(basePath && adapterPath ? basePath : modelPath)});
const ctxOpts = {contextSize: Math.max(64, tokens.length + 1)};
if (basePath && adapterPath) ctxOpts.lora = {adapters: [{filePath: resolve(adapterPath)}]};
const context = await model.createContext(ctxOpts);
const out = await context.getSequence().controlledEvaluate(tokens.map(t => [t, {generateNext: {logits: true}}]));
const ours = JSON.parse(execFileSync(gorilla, ["logprobs", "-m", modelPath, "--tokens", tokens.join(" "), "--top", "50", "--json"]));
let max = 0, sum = 0, agree = 0;
out.forEach((o, i) => {
  const ref = softmax(o.next.logits);
  const mine = new Map(ours[i]);
  const d = Math.abs(ref[0][1] - (mine.get(ref[0][0]) ?? 0));
  max = Math.max(max, d);
  sum += d;
  if (ours[i][0][0] === ref[0][0]) agree++;
});
console.log(`${max < 0.005 ? "PASS" : "FAIL"} ${adapterPath ? "lora adapter on base" : "model"}: ${tokens.length} positions, ` +
  `top-1 agreement ${agree}/${tokens.length}, |dp| of llama.cpp's top token max ${max.toExponential(2)} mean ${(sum / tokens.length).toExponential(2)}`);
await context.dispose();
await model.dispose();
process.exit(max < 0.005 ? 0 : 1);
