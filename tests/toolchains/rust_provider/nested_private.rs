pub mod inner {
    /// Private to `inner`: nothing outside it can call this.
    fn secret(x: i32) -> i32 {
        x + 1
    }
}
