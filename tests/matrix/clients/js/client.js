// The conformance scenario (tests/fixtures/matrix/scenario.py) through the generated JavaScript stubs.
//     node client.js STUBS    (STUBS holds metropipe/<function>/stub.js)
'use strict';
const path = require('path');

const stubs = process.argv[2];
const load = (fn) => require(path.resolve(stubs, 'metropipe', fn, 'stub.js'));
const { every, MetropipeError } = load('every');
const { boom } = load('boom');
const { echoBytes } = load('echo_bytes');
const { ping } = load('ping');

console.log(`every: ${every(-5, 4611686018427387904n, 1.5, -0.1, true, 'h\u00e9llo \u2713', Buffer.from([0x00, 0xff]))}`);
try {
  boom('kaput');
  console.log('boom: no error');
} catch (e) {
  if (!(e instanceof MetropipeError)) throw e;
  console.log(`boom: ${e.kind} ${e.message}`);
}
try {
  every(0, 0n, 0.0, 0.0, false, 'x'.repeat(300), Buffer.alloc(0));
  console.log('oversized: sent');
} catch (e) {
  if (!(e instanceof MetropipeError)) throw e;
  console.log(`oversized: ${e.kind}`);
}
const data = Buffer.alloc(4092);
for (let i = 0; i < 256 * 15; i++) data[i] = i % 256;
const back = echoBytes(data);
console.log(`echo_bytes: ${back.length} ${back.reduce((sum, b) => sum + b, 0)}`);
ping();
console.log('ping: ok');
