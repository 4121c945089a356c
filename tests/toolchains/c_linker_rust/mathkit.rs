//! mathkit: a library file as a crate's `lib.rs` would have it, noisy on purpose, for the
//! c-linker tests of Rust sources (tests/toolchains/test_c_linker_rust.py).
//!
//! The c-linker shim reaches it with `#[path]`, so inner attributes, `//!` docs and a `mod`
//! of its own (util.rs, next to it) are fine.

#![allow(clippy::needless_pass_by_value)]
#![deny(unsafe_op_in_unsafe_fn)]

mod util;

use std::fmt;

/// A crate-wide alias that shadows the prelude's `Result`, as many crates have.
pub type Result<T> = std::result::Result<T, MathError>;

/// Shadows the prelude's `Ok`/`Err`/`Some`/`None` too: the generated shim must not care.
#[allow(non_snake_case, dead_code)]
mod shadows {
    pub fn Ok() {}
    pub fn Err() {}
}
#[allow(unused_imports)]
use shadows::*;

#[derive(Debug)]
pub struct MathError(String);

impl fmt::Display for MathError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "MathError: {}", self.0)
    }
}

impl std::error::Error for MathError {}

/// The file's own C entry point: the library must not export it (only what the header declares).
#[no_mangle]
pub extern "C" fn mathkit_version() -> i32 {
    3
}

/// Adds, wrapping like the hardware.
pub fn add(a: i32, b: i32) -> i32 {
    a.wrapping_add(b)
}

pub fn widen(x: i64) -> i64 {
    x.wrapping_mul(1_000_000_000)
}

pub fn halve(x: f32) -> f32 {
    x / 2.0
}

pub fn hypot(a: f64, b: f64) -> f64 {
    (a * a + b * b).sqrt()
}

pub fn negate(flag: bool) -> bool {
    !flag
}

/// Borrowed text in, owned text out.
pub fn greet(name: &str) -> String {
    format!("Hello, {name}!")
}

/// Owned text in (a `mut` binding).
pub fn shout(mut text: String) -> String {
    text.make_ascii_uppercase();
    text
}

/// A `&'static str` result.
pub fn sign(x: i64) -> &'static str {
    match x {
        i64::MIN..=-1 => "negative",
        0 => "zero",
        _ => "positive",
    }
}

/// A result that borrows from the argument.
pub fn first_word<'a>(text: &'a str) -> &'a str {
    text.split_whitespace().next().unwrap_or("")
}

/// Borrowed bytes in.
pub fn checksum(data: &[u8]) -> i64 {
    data.iter().map(|&b| i64::from(b)).sum()
}

/// Owned bytes in (spelled with its path) and out.
pub fn reversed(mut data: std::vec::Vec<u8>) -> Vec<u8> {
    data.reverse();
    data
}

/// Borrowed bytes out, tied to the argument; clamped by the module file.
pub fn head<'a>(data: &'a [u8], n: i32) -> &'a [u8] {
    &data[..util::clamp(n, data.len())]
}

/// Every kind of argument in, a string out.
#[inline]
#[must_use]
pub fn describe(i: i32, l: i64, f: f32, d: f64, b: bool, s: &str, data: &[u8]) -> String {
    format!("{i}|{l}|{f:?}|{d:?}|{b}|{s}|{}", data.len())
}

/// The crate's alias `Result<T>`.
pub fn divide(a: f64, b: f64) -> Result<f64> {
    if b == 0.0 {
        return Result::Err(MathError("division by zero".to_string()));
    }
    Result::Ok(a / b)
}

/// A plain `String` error.
pub fn parse(text: &str) -> std::result::Result<i64, String> {
    text.trim().parse::<i64>().map_err(|e| format!("cannot parse {text:?}: {e}"))
}

/// No result, but it can fail.
pub fn check(value: i64, limit: i64) -> Result<()> {
    if value > limit {
        return Result::Err(MathError(format!("{value} is over the limit {limit}")));
    }
    Result::Ok(())
}

/// Bytes with an error.
pub fn repeat(data: &[u8], times: i32) -> std::io::Result<Vec<u8>> {
    if times < 0 {
        return std::io::Result::Err(std::io::Error::new(std::io::ErrorKind::InvalidInput, "negative count"));
    }
    std::io::Result::Ok(data.repeat(times as usize))
}

/// Panics on a negative input.
pub fn isqrt(x: i64) -> i64 {
    assert!(x >= 0, "isqrt of a negative number: {x}");
    (x as f64).sqrt() as i64
}

/// A string a C string cannot hold.
pub fn with_nul() -> String {
    "a\0b".to_string()
}

/// Nothing in, nothing out.
pub fn noop() {}

/// Empty bytes out.
pub fn nothing() -> Vec<u8> {
    Vec::new()
}

/// # Safety
/// Always safe; declared `unsafe extern "C"` the way FFI-facing crates do.
pub unsafe extern "C" fn mix(seed: i64, scale: f32) -> i64 {
    seed.wrapping_mul(31).wrapping_add(scale as i64)
}

pub mod text {
    /// Counts characters, not bytes.
    pub fn chars(text: &str) -> i32 {
        text.chars().count() as i32
    }
}

pub struct Counter;

impl Counter {
    /// An associated function without `self`.
    pub fn start() -> i64 {
        100
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn adds() {
        assert_eq!(super::add(1, 2), 3);
    }
}
