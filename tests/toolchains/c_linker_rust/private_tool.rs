// The helpers of a binary crate: nothing here is `pub`, so the c-linker shim includes this file
// into a module of its own and writes the exported wrapper inside it. It shadows the prelude's
// `Ok` and `Result` the way such files do: the wrapper must not care.

use std::fmt::Write as _;

type Result<T> = std::result::Result<T, String>;

#[allow(non_snake_case, dead_code)]
fn Ok() {}

/// Lower-case hex.
fn hex(data: &[u8]) -> String {
    let mut out = String::with_capacity(data.len() * 2);
    for b in data {
        let _ = write!(out, "{b:02x}");
    }
    out
}

/// A private function: only its own module can call it.
fn greet(name: &str, excited: bool) -> Result<String> {
    if name.is_empty() {
        return Result::Err("nobody to greet".to_string());
    }
    let end = if excited { "!" } else { "." };
    Result::Ok(format!("Hello, {name}{end} ({})", hex(name.as_bytes())))
}

fn main() {
    println!("{}", greet("main", true).unwrap());
}
