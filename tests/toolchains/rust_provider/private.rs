// Helpers of a binary crate: nothing here is `pub`, so the provider includes the file.
// (A file with inner attributes or `//!` comments cannot be included: make the function
// `pub(crate)` instead and it is reached with `#[path]`.)

use std::fmt::Write as _;

/// Formats bytes as lower-case hex.
fn hex(data: &[u8]) -> String {
    let mut out = String::with_capacity(data.len() * 2);
    for b in data {
        let _ = write!(out, "{b:02x}");
    }
    out
}

/// A private function: only its own module can call it.
fn greet(name: &str, excited: bool) -> String {
    let end = if excited { "!" } else { "." };
    format!("Hello, {name}{end} ({})", hex(name.as_bytes()))
}
