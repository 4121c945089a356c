# frozen_string_literal: true

# The conformance scenario (tests/fixtures/matrix/scenario.py) through the generated Ruby stubs.
#     ruby client.rb STUBS    (STUBS holds metropipe/<function>/stub.rb)
stubs = ARGV.fetch(0)
%w[every boom echo_bytes ping].each { |fn| require File.expand_path(File.join("metropipe", fn, "stub"), stubs) }

puts "every: #{Metropipe.every(-5, 4_611_686_018_427_387_904, 1.5, -0.1, true, "h\u00e9llo \u2713", "\x00\xff".b)}"
begin
  Metropipe.boom("kaput")
  puts "boom: no error"
rescue Metropipe::Error => e
  puts "boom: #{e.kind.to_s.upcase} #{e.message}"
end
begin
  Metropipe.every(0, 0, 0.0, 0.0, false, "x" * 300, "".b)
  puts "oversized: sent"
rescue Metropipe::Error => e
  puts "oversized: #{e.kind.to_s.upcase}"
end
data = ((0..255).to_a * 15).pack("C*") + ("\0" * 252).b
back = Metropipe.echo_bytes(data)
puts "echo_bytes: #{back.bytesize} #{back.bytes.sum}"
Metropipe.ping
puts "ping: ok"
