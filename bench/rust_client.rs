// Round-trip latency of a Rust client calling add(int32, int32) -> int32.
//
// Build against a generated stub (OUT holds metropipe/add/stub.rs, from
// `metropipe export add services.py --target rust python --out OUT`); METROPIPE_STUBS
// must be an absolute path (include! resolves a relative one from this file's folder):
//
//     METROPIPE_STUBS=$PWD/OUT rustc --edition 2021 -O bench/rust_client.rs -o rust_client
//
// Run with a provider of add serving the channel:
//
//     ./rust_client N GAP_US
//
// makes N calls add(i, 1), checking each result, GAP_US microseconds apart (0: back to
// back; the gap is a busy wait, so the timing is not disturbed by a sleeping CPU), and
// prints {"p50_us": ..., "p99_us": ..., "n": N} on stdout. Exit status 1 on any failed
// or wrong call (the message goes to stderr), 2 on bad arguments.

mod add {
    include!(concat!(env!("METROPIPE_STUBS"), "/metropipe/add/stub.rs"));
}

use std::process::exit;
use std::time::{Duration, Instant};

/// The q-quantile of sorted samples (nearest rank), in microseconds.
fn quantile(sorted: &[Duration], q: f64) -> f64 {
    let n = sorted.len();
    let rank = ((q * n as f64 + 0.999999) as usize).clamp(1, n);
    sorted[rank - 1].as_nanos() as f64 / 1000.0
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 3 {
        eprintln!("usage: {} N GAP_US", args[0]);
        exit(2);
    }
    let n: usize = match args[1].parse() {
        Ok(n) if n >= 1 => n,
        _ => {
            eprintln!(
                "rust_client: N must be a positive integer, not '{}'",
                args[1]
            );
            exit(2);
        }
    };
    let gap = match args[2].parse::<u64>() {
        Ok(us) => Duration::from_micros(us),
        Err(_) => {
            eprintln!(
                "rust_client: GAP_US must be a non-negative integer, not '{}'",
                args[2]
            );
            exit(2);
        }
    };
    let mut samples = Vec::with_capacity(n);
    for i in 0..n {
        let a = (i % 1_000_000) as i32;
        if !gap.is_zero() {
            let until = Instant::now() + gap;
            while Instant::now() < until {}
        }
        let t0 = Instant::now();
        let result = add::add(a, 1);
        samples.push(t0.elapsed());
        match result {
            Ok(sum) if sum == a + 1 => {}
            Ok(sum) => {
                eprintln!("rust_client: call {i}: add({a}, 1) returned {sum}");
                exit(1);
            }
            Err(e) => {
                eprintln!(
                    "rust_client: call {i}: add({a}, 1) failed: {e} ({})",
                    e.kind()
                );
                exit(1);
            }
        }
    }
    samples.sort();
    println!(
        "{{\"p50_us\": {:.3}, \"p99_us\": {:.3}, \"n\": {}}}",
        quantile(&samples, 0.50),
        quantile(&samples, 0.99),
        n
    );
}
