// textkit: small text and number helpers, served by the metropipe JavaScript provider.
// Written as a real ES module would be: JSDoc types, comments, helpers that are not exported.

import { createHash } from 'node:crypto';

/** @typedef {number} int32 */
/** @typedef {number} float32 */

/** A failure of our own: callers see "TextKitError: <message>" (the class name). */
export class TextKitError extends Error {}

const SEPARATOR = '|'; // not exported

/**
 * Every wire type in, a line describing them out.
 * @param {int32} i32 a 32-bit integer
 * @param {bigint} i64 a 64-bit integer
 * @param {float32} f32
 * @param {number} f64
 * @param {boolean} flag
 * @param {string} text UTF-8 text
 * @param {Uint8Array} blob raw bytes
 * @returns {string}
 */
export function every(i32, i64, f32, f64, flag, text, blob) {
  const kinds = [typeof i32, typeof i64, typeof f32, typeof f64, typeof flag, typeof text,
    Buffer.isBuffer(blob) ? 'Buffer' : typeof blob];
  return [i32, i64, f32, f64, flag, text, Buffer.from(blob).toString('hex'), kinds.join(',')].join(SEPARATOR);
}

/**
 * @param {int32} a
 * @param {int32} [b=1]
 * @returns {int32}
 */
export function add(a, b = 1) {
  return (a + b) | 0;
}

/**
 * @param {bigint} n
 * @returns {bigint}
 */
export const twice = (n) => n * 2n;

/**
 * @param {float32} x
 * @returns {float32}
 */
export function half(x) { return x / 2; }

/**
 * @param {boolean} b
 * @returns {boolean}
 */
export function negate(b) { return !b; }

/**
 * SHA-256 of the data, computed "remotely": an async function the provider awaits.
 * @param {Buffer} data
 * @returns {Promise<Uint8Array>}
 */
export async function digest(data) {
  await new Promise((resolve) => setTimeout(resolve, 1));
  return createHash('sha256').update(data).digest();
}

/**
 * @param {string} name
 * @returns {Promise<string>}
 */
export function greet(name) {
  return Promise.resolve(`hello, ${name}`);
}

/**
 * Always fails, as an ordinary exception.
 * @param {string} why
 * @returns {int32}
 */
export function fail(why) {
  throw new TextKitError(`cannot: ${why}`);
}

/**
 * Fails asynchronously with a built-in error type.
 * @param {string} why
 * @returns {Promise<void>}
 */
export async function reject(why) {
  throw new RangeError(why);
}

/**
 * Returns a value that does not fit its slot when asked to (a bug in the function).
 * @param {int32} which
 * @returns {int32}
 */
export function wrong(which) {
  return [1, 2 ** 40, 1.5, 'three', null][which];
}

/**
 * n bytes of 0xab: 4093 is one more than a bytes slot holds.
 * @param {int32} n
 * @returns {Buffer}
 */
export function blob(n) {
  return Buffer.alloc(n, 0xab);
}

/**
 * @param {int32} n
 * @returns {string}
 */
export function repeat(n) {
  return 'é'.repeat(n);
}

/**
 * Takes its time (for stopping the provider while a call is in flight).
 * @param {number} seconds
 * @returns {Promise<number>}
 */
export async function slow(seconds) {
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  return seconds;
}

/** @returns {void} */
export function nothing() {}

export default { every, add };
