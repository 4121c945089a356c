# frozen_string_literal: true

# Round-trip latency of a Ruby client calling add(int32, int32) -> int32.
#
# Run against a generated stub (OUT holds metropipe/add/stub.rb), with a provider of add
# serving the channel:
#     ruby bench/ruby_client.rb OUT N GAP_US
# makes N calls Metropipe.add(i, 1), checking each result, GAP_US microseconds apart (0: back
# to back; the gap is a busy wait), and prints {"p50_us": ..., "p99_us": ..., "n": N} on
# stdout. Exit status 1 on any failed or wrong call, 2 on bad arguments.

def usage(message)
  warn "ruby_client: #{message}\nusage: ruby ruby_client.rb OUT N GAP_US"
  exit 2
end

usage("expected 3 arguments") unless ARGV.size == 3
out = ARGV[0]
n = Integer(ARGV[1], exception: false)
gap_us = Integer(ARGV[2], exception: false)
usage("N must be a positive integer, not '#{ARGV[1]}'") unless n&.positive?
usage("GAP_US must be a non-negative integer, not '#{ARGV[2]}'") unless gap_us && gap_us >= 0
require File.expand_path(File.join("metropipe", "add", "stub"), out)

def now_ns
  Process.clock_gettime(Process::CLOCK_MONOTONIC, :nanosecond)
end

def quantile_us(sorted, q)
  rank = (q * sorted.size).ceil.clamp(1, sorted.size)
  sorted[rank - 1] / 1000.0
end

Metropipe.add(0, 1) # warm up: opens the channel
samples = Array.new(n)
n.times do |i|
  a = i % 1_000_000
  if gap_us.positive?
    until_ns = now_ns + gap_us * 1000
    nil while now_ns < until_ns
  end
  t0 = now_ns
  begin
    sum = Metropipe.add(a, 1)
  rescue Metropipe::Error => e
    warn "ruby_client: call #{i}: add(#{a}, 1) failed: #{e.message} (#{e.kind})"
    exit 1
  end
  samples[i] = now_ns - t0
  next if sum == a + 1

  warn "ruby_client: call #{i}: add(#{a}, 1) returned #{sum}"
  exit 1
end
samples.sort!
puts format('{"p50_us": %.3f, "p99_us": %.3f, "n": %d}', quantile_us(samples, 0.5), quantile_us(samples, 0.99), n)
