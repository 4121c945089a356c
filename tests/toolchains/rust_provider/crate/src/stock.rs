//! Reorder levels.

use crate::util::round_up;
use units::Days;

/// The stock level at which to reorder `item`: what sells during the lead time plus the
/// safety stock, rounded up to whole packs.
pub fn reorder_level(item: &str, daily: i64, lead_days: i32) -> Result<i64, String> {
    if daily < 0 {
        return Err(format!("{item}: negative daily sales {daily}"));
    }
    let lead = Days::new(lead_days).map_err(|e| format!("{item}: {e}"))?;
    let need = daily * lead.get() + units::safety_stock(daily);
    Ok(round_up(need, super::PACK))
}

/// The reorder level of `item` in whole packs.
pub fn reorder_packs(item: &str, daily: i64, lead_days: i32) -> Result<i64, String> {
    reorder_level(item, daily, lead_days).map(packs)
}

/// How many packs make `level`.
fn packs(level: i64) -> i64 {
    crate::util::round_up(level, super::PACK) / super::PACK
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounds_to_packs() {
        assert_eq!(reorder_level("x", 10, 3), Ok(60));
        assert_eq!(packs(13), 2);
    }
}
