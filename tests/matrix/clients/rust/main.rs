// The conformance scenario (tests/fixtures/matrix/scenario.py) from Rust, through the
// stubs generated for every, boom, echo_bytes and ping (namespace mode). run.json
// compiles it with METROPIPE_STUBS set to the folder holding metropipe/<fn>/stub.rs (an
// absolute path: include! resolves a relative one from this file's folder).

mod every {
    include!(concat!(env!("METROPIPE_STUBS"), "/metropipe/every/stub.rs"));
}
mod boom {
    include!(concat!(env!("METROPIPE_STUBS"), "/metropipe/boom/stub.rs"));
}
mod echo_bytes {
    include!(concat!(
        env!("METROPIPE_STUBS"),
        "/metropipe/echo_bytes/stub.rs"
    ));
}
mod ping {
    include!(concat!(env!("METROPIPE_STUBS"), "/metropipe/ping/stub.rs"));
}

use std::process::exit;

fn fail(what: &str, why: &dyn std::fmt::Debug) -> ! {
    eprintln!("{what}: unexpected result: {why:?}");
    exit(1)
}

fn main() {
    let text = "h\u{e9}llo \u{2713}";
    match every::every(
        -5,
        4611686018427387904,
        1.5,
        -0.1,
        true,
        text,
        &[0x00, 0xff],
    ) {
        Ok(s) => println!("every: {s}"),
        Err(e) => fail("every", &e),
    }
    match boom::boom("kaput") {
        Err(e) => println!("boom: {} {}", e.kind(), e.message()),
        Ok(v) => fail("boom", &v),
    }
    match every::every(0, 0, 0.0, 0.0, false, &"x".repeat(300), &[]) {
        Err(e) => println!("oversized: {}", e.kind()),
        Ok(v) => fail("oversized", &v),
    }
    let mut data: Vec<u8> = (0..15).flat_map(|_| 0..=255u8).collect();
    data.extend_from_slice(&[0u8; 252]);
    match echo_bytes::echo_bytes(&data) {
        Ok(echoed) => {
            let sum: u64 = echoed.iter().map(|&b| u64::from(b)).sum();
            println!("echo_bytes: {} {}", echoed.len(), sum);
        }
        Err(e) => fail("echo_bytes", &e),
    }
    match ping::ping() {
        Ok(()) => println!("ping: ok"),
        Err(e) => fail("ping", &e),
    }
}
