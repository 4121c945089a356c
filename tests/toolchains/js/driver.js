// Test driver for the generated JavaScript stubs (tests/toolchains/test_js_stub.py).
//
//     node driver.js REQUESTS.json
//
// REQUESTS is a JSON list; each request names a stub file and an operation, and gets one JSON
// line on stdout, in order:
//   {"op": "encode", "stub": F, "fn": NAME, "args": [ARG...], "size": N}
//       -> {"ok": true, "hex": <payload[0:returned size]>, "size": <returned size>} or an error
//   {"op": "decode", "stub": F, "fn": NAME, "hex": H, "size": N, "type": T}  -> {"ok": true, "value": V}
//   {"op": "decode_error", "stub": F, "fn": NAME, "code": C, "hex": H, "size": N} -> the error
//   {"op": "call", "stub": F, "export": NAME, "args": [ARG...], "options": O, "async": B, "type": T}
//       -> {"ok": true, "value": V, "ms": elapsed} or an error
//   {"op": "concurrent", "stub": F, "export": NAME, "base": K, "calls": N} -> N addAsync calls at once
// An ARG is [type, value]: int32 and bool as JSON, int64 as a decimal string, float and double
// as a string (repr), string as JSON, bytes as hex, and ["js", EXPRESSION] for any other value.
// An error is {"ok": false, "name", "code", "kind", "message", "ms"}.
'use strict';
const fs = require('fs');
const path = require('path');

const requests = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const modules = new Map();

function stub(file) {
  if (!modules.has(file)) modules.set(file, require(path.resolve(file)));
  return modules.get(file);
}

function toJs([type, value]) {
  switch (type) {
    case 'int32': return value;
    case 'int64': return BigInt(value);
    case 'float': case 'double': return Number(value);
    case 'bool': case 'string': return value;
    case 'bytes': return Buffer.from(value, 'hex');
    case 'js': return eval(value); // eslint-disable-line no-eval
    default: throw new Error(`unknown argument type ${type}`);
  }
}

function fromJs(value) {
  if (typeof value === 'bigint') return { int64: value.toString() };
  if (typeof value === 'number') return { number: Object.is(value, -0) ? '-0' : String(value) };
  if (Buffer.isBuffer(value)) return { bytes: value.toString('hex') };
  if (value === undefined) return null;
  return value;
}

function failure(e, t0) {
  return { ok: false, name: e.name, code: e.code, kind: e.kind, message: e.message,
    ms: Number(process.hrtime.bigint() - t0) / 1e6, instance: e instanceof Error };
}

function payloadOf(hex, size) {
  const payload = Buffer.alloc(size);
  Buffer.from(hex, 'hex').copy(payload);
  return payload;
}

async function run(r) {
  const t0 = process.hrtime.bigint();
  try {
    const m = stub(r.stub);
    switch (r.op) {
      case 'encode': {
        const payload = Buffer.alloc(r.size);
        const n = m.codecs[r.fn].encode(payload, ...r.args.map(toJs));
        return { ok: true, size: n, hex: payload.subarray(0, n).toString('hex') };
      }
      case 'decode':
        return { ok: true, value: fromJs(m.codecs[r.fn].decode(payloadOf(r.hex, r.size), r.hex.length / 2)) };
      case 'decode_error': {
        const e = m.codecs[r.fn].decodeError(r.code, payloadOf(r.hex, r.size), r.hex.length / 2);
        return { ok: true, name: e.name, code: e.code, kind: e.kind, message: e.message,
          instance: e instanceof m.MetropipeError };
      }
      case 'call': {
        const f = m[r.async ? `${r.export}Async` : r.export];
        const args = r.args.map(toJs);
        if (r.options !== undefined) args.push(r.options);
        const value = r.async ? await f(...args) : f(...args);
        return { ok: true, value: fromJs(value), ms: Number(process.hrtime.bigint() - t0) / 1e6 };
      }
      case 'concurrent': {
        const f = m[`${r.export}Async`];
        const calls = [];
        for (let i = 0; i < r.calls; i++) calls.push(f(r.base + i, i));
        const got = await Promise.all(calls);
        const wrong = got.filter((v, i) => v !== r.base + 2 * i).length;
        return { ok: true, value: wrong, ms: Number(process.hrtime.bigint() - t0) / 1e6 };
      }
      case 'mixed': {
        // a synchronous call while an async one on the same function is in flight
        const f = m[r.export];
        const pending = m[`${r.export}Async`](1, 2);
        let sync;
        try {
          f(3, 4);
          sync = { ok: true };
        } catch (e) {
          sync = failure(e, t0);
        }
        return { ok: true, value: { async: await pending, sync } };
      }
      default:
        throw new Error(`unknown op ${r.op}`);
    }
  } catch (e) {
    return failure(e, t0);
  }
}

(async () => {
  for (const r of requests) {
    process.stdout.write(`${JSON.stringify(await run(r))}\n`);
  }
})();
