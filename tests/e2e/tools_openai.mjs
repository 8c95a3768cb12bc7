// tools_openai.mjs — checks `gorilla serve`'s tool calls with the official
// OpenAI client library: chat.completions.create with tools, not streaming
// and streaming, then gorilla-cli-free plain answers. Prints PASS/FAIL lines.
// usage: node tools_openai.mjs BASE_URL OPENAI_MODULE_DIR
import { createRequire } from 'node:module';
import path from 'node:path';

const [base, modDir] = process.argv.slice(2);
const require = createRequire(path.join(modDir, 'package.json'));
const OpenAI = require('openai').default ?? require('openai');
const client = new OpenAI({ baseURL: base, apiKey: 'unused', maxRetries: 0 });

const tools = [{
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'The weather of a city',
    parameters: { type: 'object', properties: { city: { type: 'string' }, days: { type: 'integer' } }, required: ['city'] },
  },
}, {
  type: 'function',
  function: { name: 'get_time', parameters: { type: 'object', properties: { zone: { type: 'string' } } } },
}];

let failed = 0;
function check(name, cond, detail) {
  if (cond) console.log(`PASS ${name}`);
  else { failed++; console.log(`FAIL ${name}: ${detail}`); }
}

// The echo backend answers with the user's text: a call text gives a call.
const r1 = await client.chat.completions.create({
  model: 'gorilla',
  messages: [{ role: 'user', content: '[get_weather(city="Paris", days=3), get_time(zone="CET")]' }],
  tools,
});
const m1 = r1.choices[0].message;
check('openai-tools-finish', r1.choices[0].finish_reason === 'tool_calls', JSON.stringify(r1.choices[0]));
check('openai-tools-count', m1.tool_calls?.length === 2, JSON.stringify(m1));
check('openai-tools-name', m1.tool_calls?.[0]?.function?.name === 'get_weather', JSON.stringify(m1));
check('openai-tools-args-string', typeof m1.tool_calls?.[0]?.function?.arguments === 'string', JSON.stringify(m1));
const a1 = JSON.parse(m1.tool_calls?.[0]?.function?.arguments ?? 'null');
check('openai-tools-args', a1?.city === 'Paris' && a1?.days === 3, JSON.stringify(a1));
check('openai-tools-second', JSON.parse(m1.tool_calls?.[1]?.function?.arguments ?? '{}').zone === 'CET', JSON.stringify(m1));
check('openai-tools-id', /^call_/.test(m1.tool_calls?.[0]?.id ?? '') && m1.tool_calls?.[0]?.type === 'function', JSON.stringify(m1));
check('openai-tools-content-null', m1.content === null, JSON.stringify(m1));

// A JSON tool-call block and a named tool_choice.
const r2 = await client.chat.completions.create({
  model: 'gorilla',
  messages: [{ role: 'user', content: '{"name": "get_time", "arguments": {"zone": "UTC"}}' }],
  tools, tool_choice: { type: 'function', function: { name: 'get_time' } },
});
check('openai-tools-json-block', r2.choices[0].message.tool_calls?.[0]?.function?.name === 'get_time', JSON.stringify(r2.choices[0]));

// Streaming: tool_call deltas, accumulated as a client does.
const stream = await client.chat.completions.create({
  model: 'gorilla', stream: true,
  messages: [{ role: 'user', content: '<<function>>get_weather(city="Berlin")' }],
  tools,
});
const acc = {}; let finish = null; let chunks = 0;
for await (const chunk of stream) {
  chunks++;
  const ch = chunk.choices[0];
  for (const d of ch.delta?.tool_calls ?? []) {
    acc[d.index] ??= { name: '', arguments: '', id: null };
    if (d.id) acc[d.index].id = d.id;
    if (d.function?.name) acc[d.index].name += d.function.name;
    if (d.function?.arguments) acc[d.index].arguments += d.function.arguments;
  }
  if (ch.finish_reason) finish = ch.finish_reason;
}
check('openai-stream-finish', finish === 'tool_calls', `finish ${finish} after ${chunks} chunks`);
check('openai-stream-call', acc[0]?.name === 'get_weather' && JSON.parse(acc[0]?.arguments || 'null')?.city === 'Berlin',
  JSON.stringify(acc));

// The SDK's own stream helper and its final message.
const runner = client.beta?.chat?.completions?.stream
  ? client.beta.chat.completions.stream({ model: 'gorilla', messages: [{ role: 'user', content: 'get_time(zone="PST")' }], tools })
  : null;
if (runner) {
  const fin = await runner.finalChatCompletion();
  check('openai-stream-helper', fin.choices[0].message.tool_calls?.[0]?.function?.name === 'get_time' &&
    JSON.parse(fin.choices[0].message.tool_calls[0].function.arguments).zone === 'PST', JSON.stringify(fin.choices[0]));
}

// Not a call: plain content, no tool_calls.
const r3 = await client.chat.completions.create({
  model: 'gorilla', messages: [{ role: 'user', content: 'I cannot help with that' }], tools,
});
check('openai-plain-content', r3.choices[0].message.content === 'I cannot help with that' &&
  !r3.choices[0].message.tool_calls?.length && r3.choices[0].finish_reason === 'stop', JSON.stringify(r3.choices[0]));

// A call to a function that was not offered stays text.
const r4 = await client.chat.completions.create({
  model: 'gorilla', messages: [{ role: 'user', content: '[delete_all(force=True)]' }], tools,
});
check('openai-unknown-function', !r4.choices[0].message.tool_calls?.length, JSON.stringify(r4.choices[0]));

// Bad tools: a 400 the SDK raises as BadRequestError.
try {
  await client.chat.completions.create({ model: 'gorilla', messages: [{ role: 'user', content: 'x' }],
    tools: [{ type: 'function', function: { parameters: {} } }] });
  check('openai-bad-tools-400', false, 'no error');
} catch (e) {
  check('openai-bad-tools-400', e.status === 400 && /name/.test(e.message), `${e.status} ${e.message}`);
}

// A multi-turn conversation with the call and its result (the prompt must build).
const r5 = await client.chat.completions.create({
  model: 'gorilla', tools,
  messages: [
    { role: 'user', content: 'weather in Paris?' },
    { role: 'assistant', content: null, tool_calls: m1.tool_calls.slice(0, 1) },
    { role: 'tool', tool_call_id: m1.tool_calls[0].id, content: '{"temp": 21}' },
    { role: 'user', content: 'It is 21 degrees' },
  ],
});
check('openai-multi-turn', r5.choices[0].message.content === 'It is 21 degrees', JSON.stringify(r5.choices[0]));
process.exit(failed ? 1 : 0);
