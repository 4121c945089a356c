//go:build shopdebug

package pricing

// taxRate is zero in debug builds (go build -tags shopdebug).
const taxRate = 0.0
