'use strict';
// stats: CommonJS module, exported with module.exports and exports.x.

/**
 * Mean of three numbers.
 * @param {number} a
 * @param {number} b
 * @param {number} c
 * @returns {number}
 */
function mean3(a, b, c) {
  return (a + b + c) / 3;
}

class Counter {
  /**
   * A static method: the provider calls it on its class.
   * @param {string} text
   * @param {string} ch
   * @returns {int32}
   */
  static occurrences(text, ch) {
    return this.split(text, ch).length - 1;
  }

  static split(text, ch) {
    return text.split(ch);
  }
}

/**
 * @param {int64} x
 * @returns {int64}
 */
exports.square = function (x) {
  return x * x;
};

module.exports.mean3 = mean3;
module.exports.Counter = Counter;
