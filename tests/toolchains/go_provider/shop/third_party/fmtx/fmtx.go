// Package fmtx formats amounts of money.
package fmtx

import "fmt"

// Money spells cents of a currency with its symbol: Money("€", 1234) is "€12.34".
func Money(symbol string, cents int64) string {
	sign := ""
	if cents < 0 {
		sign, cents = "-", -cents
	}
	return fmt.Sprintf("%s%s%d.%02d", sign, symbol, cents/100, cents%100)
}
