# frozen_string_literal: true

# Test driver for the generated Ruby stubs (tests/toolchains/test_ruby_stub.py).
#
#     ruby driver.rb REQUESTS.json
#
# REQUESTS is a JSON list; each request names stub files to load and an operation, and gets
# one JSON line on stdout, in order:
#   {"op": "encode", "stub": F, "module": M, "args": [ARG...]}  -> {"ok": true, "hex": H}
#   {"op": "decode", "stub": F, "module": M, "hex": H}           -> {"ok": true, "value": V}
#   {"op": "decode_error", "stub": F, "module": M, "code": C, "hex": H} -> the error
#   {"op": "call", "stub": F, "method": NAME, "args": [ARG...], "timeout": S} -> value or error
#   {"op": "threads", "stub": F, "method": NAME, "base": K, "threads": T, "calls": N}
#       -> T threads making N calls NAME(K + t * N + i, i) each; the value is how many were wrong
#   {"op": "fork", "stub": F}  -> whether a forked child sees its own PID in the runtime
# An ARG is [type, value]: int32 and bool as JSON, int64 as a decimal string, float and double
# as a string (repr), string as JSON, bytes as hex, and ["rb", EXPRESSION] for any other value.
# An error is {"ok": false, "class", "code", "kind", "message", "ms"}.
require "json"

def to_ruby((type, value))
  case type
  when "int32", "bool", "string" then value
  when "int64" then Integer(value)
  when "float", "double"
    { "inf" => Float::INFINITY, "-inf" => -Float::INFINITY, "nan" => Float::NAN }.fetch(value) { Float(value) }
  when "bytes" then [value].pack("H*")
  when "rb" then eval(value) # rubocop:disable Security/Eval
  else raise "unknown argument type #{type}"
  end
end

def from_ruby(value)
  case value
  when Integer then { "int" => value.to_s }
  when Float then { "number" => value.to_s }
  when String
    value.encoding == Encoding::BINARY ? { "bytes" => value.unpack1("H*") } : { "string" => value }
  else value
  end
end

def now
  Process.clock_gettime(Process::CLOCK_MONOTONIC)
end

def failure(error, started)
  { "ok" => false, "class" => error.class.name, "code" => error.respond_to?(:code) ? error.code : nil,
    "kind" => error.respond_to?(:kind) ? error.kind.to_s : nil, "message" => error.message,
    "ms" => (now - started) * 1000 }
end

def codec(name)
  Metropipe::Codecs.const_get(name, false)
end

def run(request)
  started = now
  Array(request["stub"]).each { |file| require File.expand_path(file) }
  case request["op"]
  when "encode"
    { "ok" => true, "hex" => codec(request["module"]).encode(*request["args"].map { |a| to_ruby(a) }).unpack1("H*") }
  when "decode"
    { "ok" => true, "value" => from_ruby(codec(request["module"]).decode([request["hex"]].pack("H*"))) }
  when "decode_error"
    e = codec(request["module"]).decode_error(request["code"], [request["hex"]].pack("H*"))
    { "ok" => true, "class" => e.class.name, "code" => e.code, "kind" => e.kind.to_s, "message" => e.message }
  when "call"
    args = request["args"].map { |a| to_ruby(a) }
    options = request.key?("timeout") ? { timeout: to_ruby(request["timeout"]) } : {}
    value = Metropipe.public_send(request["method"], *args, **options)
    { "ok" => true, "value" => from_ruby(value), "ms" => (now - started) * 1000 }
  when "threads"
    base = request["base"]
    n = request["calls"]
    threads = Array.new(request["threads"]) do |t|
      Thread.new do
        (0...n).count { |i| Metropipe.public_send(request["method"], base + t * n + i, i) != base + t * n + 2 * i }
      end
    end
    { "ok" => true, "value" => threads.sum(&:value) }
  when "fork"
    pid = fork { exit!(Metropipe::Runtime.pid == Process.pid ? 0 : 1) }
    Process.wait(pid)
    { "ok" => true, "value" => Process.last_status.success? }
  else
    raise "unknown op #{request['op']}"
  end
rescue Metropipe::Error => e
  failure(e, started)
end

$stdout.sync = true
JSON.parse(File.read(ARGV.fetch(0))).each { |request| puts JSON.generate(run(request)) }
