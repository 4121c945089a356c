// Round-trip latency of a JavaScript (Node.js) client calling add(int32, int32) -> int32.
//
// Run against a generated stub (OUT holds metropipe/add/stub.js and metropipe_shm.c beside it),
// with a provider of add serving the channel:
//     node bench/js_client.js OUT N GAP_US [sync|async]
// makes N calls add(i, 1) (the synchronous function, or addAsync awaited one at a time),
// checking each result, GAP_US microseconds apart (0: back to back; the gap is a busy wait),
// and prints {"p50_us": ..., "p99_us": ..., "n": N} on stdout. The first call (which may build
// the addon) is made before timing. Exit status 1 on any failed or wrong call, 2 on bad arguments.
'use strict';
const path = require('path');

function usage(message) {
  process.stderr.write(`js_client: ${message}\nusage: node js_client.js OUT N GAP_US [sync|async]\n`);
  process.exit(2);
}

const [out, nText, gapText, mode = 'sync'] = process.argv.slice(2);
if (out === undefined || gapText === undefined) usage('missing arguments');
const n = Number(nText);
const gapUs = Number(gapText);
if (!Number.isInteger(n) || n < 1) usage(`N must be a positive integer, not '${nText}'`);
if (!Number.isInteger(gapUs) || gapUs < 0) usage(`GAP_US must be a non-negative integer, not '${gapText}'`);
if (mode !== 'sync' && mode !== 'async') usage(`the mode is sync or async, not '${mode}'`);
const { add, addAsync } = require(path.resolve(out, 'metropipe', 'add', 'stub.js'));

function quantileUs(sorted, q) {
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length)));
  return Number(sorted[rank - 1]) / 1000;
}

function fail(i, a, got) {
  process.stderr.write(`js_client: call ${i}: add(${a}, 1) ${got instanceof Error ? `failed: ${got.message} (${got.kind})` : `returned ${got}`}\n`);
  process.exit(1);
}

async function main() {
  add(0, 1); // warm up: opens the channel (and builds the addon on a first run)
  const samples = new BigInt64Array(n);
  for (let i = 0; i < n; i++) {
    const a = i % 1000000;
    if (gapUs > 0) {
      const until = process.hrtime.bigint() + BigInt(gapUs * 1000);
      while (process.hrtime.bigint() < until) { /* busy wait */ }
    }
    let sum;
    const t0 = process.hrtime.bigint();
    try {
      sum = mode === 'sync' ? add(a, 1) : await addAsync(a, 1);
    } catch (e) {
      fail(i, a, e);
    }
    const t1 = process.hrtime.bigint();
    if (sum !== a + 1) fail(i, a, sum);
    samples[i] = t1 - t0;
  }
  samples.sort();
  process.stdout.write(`${JSON.stringify({ p50_us: quantileUs(samples, 0.5), p99_us: quantileUs(samples, 0.99), n })}\n`);
}

main();
