//! Quantities with units.

use std::fmt;

/// A number of days, 1 to 365.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Days(i32);

/// A day count out of range.
#[derive(Debug)]
pub struct OutOfRange(pub i32);

impl fmt::Display for OutOfRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} days is not between 1 and 365", self.0)
    }
}

impl Days {
    pub fn new(days: i32) -> Result<Days, OutOfRange> {
        if (1..=365).contains(&days) { Ok(Days(days)) } else { Err(OutOfRange(days)) }
    }

    pub fn get(self) -> i64 {
        i64::from(self.0)
    }
}

/// Two days of sales, kept in reserve.
pub fn safety_stock(daily: i64) -> i64 {
    2 * daily
}
