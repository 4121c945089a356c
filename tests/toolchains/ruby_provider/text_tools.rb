# frozen_string_literal: true

require "digest"

# Text and number helpers, served by the metropipe Ruby provider. Written as a small gem's
# file would be: nested modules, YARD docs, private helpers, a custom error class.
module Acme
  # A failure of our own: callers see "Acme::Tools::Oops: <message>".
  module Tools
    class Oops < StandardError; end

    module_function

    # Every wire type in, a line describing them out.
    # @param i32 [Int32] a 32-bit integer
    # @param i64 [Integer]
    # @param f32 [Float32]
    # @param f64 [Float]
    # @param flag [Boolean]
    # @param text [String]
    # @param blob [Bytes]
    # @return [String]
    def every(i32, i64, f32, f64, flag, text, blob)
      kinds = [i32, i64, f32, f64, flag, text].map { |v| v.class.name } << blob.encoding.name << text.encoding.name
      [i32, i64, f32, f64, flag, text, blob.unpack1("H*"), kinds.join(",")].join("|")
    end

    # Adds, with a keyword for the step.
    # @param a [Int32]
    # @param by [Int32] the step
    # @return [Int32]
    def add(a, by: 1)
      a + by
    end

    # @param n [Integer]
    # @return [Integer]
    def twice(n) = n * 2

    # @param x [Float32]
    # @return [Float32]
    def half(x)
      x / 2
    end

    # @param b [Boolean]
    # @return [Boolean]
    def negate(b)
      !b
    end

    # @param data [Bytes]
    # @return [Bytes]
    def digest(data)
      Digest::SHA256.digest(data)
    end

    # n bytes of 0xab: 4093 is one more than a bytes slot holds.
    # @param n [Int32]
    # @return [Bytes]
    def blob(n)
      "\xab".b * n
    end

    # @param n [Int32]
    # @return [String]
    def repeat(n)
      "é" * n
    end

    # Always fails.
    # @param why [String]
    # @return [Int32]
    def fail_with(why)
      raise Oops, "cannot: #{why}"
    end

    # Not written yet.
    # @param x [Int32]
    # @return [Int32]
    def todo(x)
      raise NotImplementedError, "todo(#{x})"
    end

    # Returns a value that does not fit its slot when asked to (a bug in the method).
    # @param which [Int32]
    # @return [Int32]
    def wrong(which)
      [1, 2**40, 1.5, "three", nil][which]
    end

    # Takes its time (for stopping the provider while a call is in flight).
    # @param seconds [Float]
    # @return [Float]
    def slow(seconds)
      sleep(seconds)
      seconds
    end

    # @return [void]
    def nothing; end
  end
end

# A class whose singleton method is served.
class Greeter
  # @param name [String]
  # @param loud [Boolean]
  # @return [String]
  def self.greet(name, loud: false)
    text = "hello, #{name}"
    loud ? text.upcase : text
  end
end

# A top-level method.
# @param a [Float]
# @param b [Float]
# @param c [Float]
# @return [Float]
def mean3(a, b, c)
  (a + b + c) / 3
end
