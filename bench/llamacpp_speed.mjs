// llamacpp_speed.mjs — times llama.cpp (through node-llama-cpp, CPU build)
// on a GGUF model the way bench/engine_speed.sh times `gorilla generate`: a
// prompt of PROMPT token ids, then DECODE greedy tokens.
//   LLAMA_CPP_DIR=DIR node bench/llamacpp_speed.mjs MODEL THREADS PROMPT DECODE
// (DIR: where `npm install node-llama-cpp@3.22.1` was run)
// Prints one JSON line. llama.cpp itself is not part of this repository.
import { createRequire } from "module";
import path from "path";

const [model, threads = "2", nPrompt = "256", nDecode = "64"] = process.argv.slice(2);
const dir = process.env.LLAMA_CPP_DIR || "/tmp/llamacpp";
const require = createRequire(path.join(dir, "node_modules", "x.js"));
const { getLlama } = await import(require.resolve("node-llama-cpp"));

const llama = await getLlama({ gpu: false, build: "never", logLevel: "error" });
const m = await llama.loadModel({ modelPath: model, gpuLayers: 0 });
const np = Number(nPrompt), nd = Number(nDecode), nt = Number(threads);
const ctx = await m.createContext({ contextSize: np + nd + 16, batchSize: Math.max(np, 32), threads: nt });
const seq = ctx.getSequence();
const V = m.tokens.vocabularySize ?? 32000;
// prompt ids as in bench/engine_speed.sh
const toks = [];
for (let i = 0; i < np; i++) toks.push((i * 7919 + 13) % V);
const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; }; // ms
const c0 = cpu();
const t0 = performance.now();
await seq.evaluateWithoutGeneratingNewTokens(toks.slice(0, np - 1));
// the last prompt token is evaluated with the first generated token below
const t1 = performance.now();
const c1 = cpu();
let count = 0, t2 = 0, t3 = 0;
for await (const tok of seq.evaluate([toks[np - 1]], { temperature: 0 })) {
    if (count === 0) t2 = performance.now();
    count++;
    if (count > nd) { t3 = performance.now(); break; }
}
const c3 = cpu();
const prefill = (np - 1) / ((t1 - t0) / 1000);
const decode = nd / ((t3 - t2) / 1000);
console.log(JSON.stringify({ engine: "llama.cpp (node-llama-cpp 3.22.1)", threads: nt, prompt_tokens: np, decode_tokens: nd,
    prefill_tok_s: Number(prefill.toFixed(2)), decode_tok_s: Number(decode.toFixed(2)),
    prefill_cpu_ms_per_tok: Number(((c1 - c0) / (np - 1)).toFixed(3)), decode_cpu_ms_per_tok: Number(((c3 - c1) / (nd + 1)).toFixed(3)) }));
await ctx.dispose(); await m.dispose(); await llama.dispose();
