//! Helpers private to the crate.

/// Rounds `value` up to a multiple of `step`.
pub(crate) fn round_up(value: i64, step: i64) -> i64 {
    if step <= 0 {
        return value;
    }
    (value + step - 1) / step * step
}
