//! A module file of mathkit.rs: touching it rebuilds the library.

/// `n` clamped to `0..=len`.
pub fn clamp(n: i32, len: usize) -> usize {
    (n.max(0) as usize).min(len)
}
