//! A small numeric and text toolkit, as a library crate's `lib.rs` would have it.
//!
//! The Rust provider's end-to-end tests export functions from here and call them from
//! Python. The file is reached with `#[path]`, so inner attributes and `//!` docs are fine.

#![allow(clippy::needless_pass_by_value)]
#![deny(unsafe_op_in_unsafe_fn)]

use std::collections::HashMap;
use std::fmt;
use std::io;
use std::thread;
use std::time::Duration;

/// Why a parse failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    pub input: String,
    reason: &'static str,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ParseError: cannot parse {:?}: {}", self.input, self.reason)
    }
}

impl std::error::Error for ParseError {}

/// A generic type elsewhere in the file: not what is exported.
pub struct Registry<K, V> {
    items: HashMap<K, V>,
}

impl<K: std::hash::Hash + Eq, V: Clone> Registry<K, V> {
    pub fn get(&self, key: &K) -> Option<V> {
        self.items.get(key).cloned()
    }
}

/// Describes every argument (every wire type in, a string out; the text cut to 12 characters).
#[inline]
#[must_use]
pub fn describe<'a>(i32: i32, i64: i64, f32: f32, f64: f64, flag: bool, text: &'a str, blob: &[u8]) -> String {
    let sum: u32 = blob.iter().map(|&b| u32::from(b)).sum();
    let head: String = text.chars().take(12).collect();
    format!("{i32}|{i64}|{f32:?}|{f64:?}|{flag}|{}:{head}|{}:{sum}", text.chars().count(), blob.len())
}

/// Adds two numbers, wrapping like the hardware does.
pub fn add(a: i32, b: i32) -> i32 {
    a.wrapping_add(b)
}

/// Negates a 64-bit number (`i64::MIN` stays itself).
pub fn negate(x: i64) -> i64 {
    x.wrapping_neg()
}

pub fn half(x: f32) -> f32 {
    x / 2.0
}

pub fn scale(x: f64, by: f64) -> f64 {
    x * by
}

pub fn invert(flag: bool) -> bool {
    !flag
}

/// Owned string in, owned string out.
pub fn shout(text: String) -> String {
    text.to_uppercase() + "!"
}

/// A `&'static str` result.
pub fn sign(x: i64) -> &'static str {
    match x {
        i64::MIN..=-1 => "negative",
        0 => "zero",
        _ => "positive",
    }
}

/// `n` bytes of `fill`, owned bytes out.
pub fn blob_of(n: i32, fill: i32) -> Vec<u8> {
    vec![fill as u8; n.max(0) as usize]
}

/// Owned bytes in (a `mut` binding), `io::Result` out.
pub(crate) fn reverse(mut data: Vec<u8>) -> io::Result<Vec<u8>> {
    if data.is_empty() {
        return Err(io::Error::new(io::ErrorKind::InvalidInput, "nothing to reverse"));
    }
    data.reverse();
    Ok(data)
}

/** Parses a decimal number; an error says what and why. */
pub fn parse_number(text: &str) -> Result<f64, ParseError> {
    text.trim().parse::<f64>().map_err(|_| ParseError { input: text.to_owned(), reason: "not a number" })
}

/// Fails with a plain `String` error when the check does not hold; returns nothing.
pub fn check(value: i64, limit: i64) -> Result<(), String> {
    if value > limit {
        return Err(format!("{value} is over the limit {limit}"));
    }
    Ok(())
}

/// Panics on a negative input.
pub fn isqrt(x: i64) -> i64 {
    assert!(x >= 0, "isqrt of a negative number: {x}");
    (x as f64).sqrt() as i64
}

/// Returns text longer than the wire's string slot for large `n`.
pub fn repeat(text: &str, n: i32) -> String {
    text.repeat(n.max(0) as usize)
}

/// Takes its time.
pub fn slow(millis: i32) -> i32 {
    thread::sleep(Duration::from_millis(millis as u64));
    millis
}

/// Nothing in, nothing out.
pub fn noop() {}

/// # Safety
/// Always safe; declared `unsafe extern "C"` the way FFI-facing crates do.
pub unsafe extern "C" fn checksum(seed: i64, scale: f32) -> i64 {
    seed.wrapping_mul(31).wrapping_add(scale as i64)
}

pub mod text {
    //! A nested module.

    /// Counts the characters (not bytes).
    pub fn chars(text: &str) -> i32 {
        text.chars().count() as i32
    }

    pub mod bytes {
        /// Sums the bytes.
        pub(crate) fn total(data: &[u8]) -> i64 {
            data.iter().map(|&b| i64::from(b)).sum()
        }
    }
}

pub struct Counter;

impl Counter {
    /// An associated function without `self`: callable as `Counter::start`.
    pub fn start() -> i64 {
        100
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn add(a: i32, b: i32) -> i32 {
        a - b
    }

    #[test]
    fn adds() {
        assert_eq!(super::add(1, 2), 3);
    }
}
