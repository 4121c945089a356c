//! Stock keeping for a small shop: reorder levels, rounding to pack sizes.
#![forbid(unsafe_code)]

pub mod stock;
mod util;

/// The pack size everything is ordered in.
pub const PACK: i64 = 12;
