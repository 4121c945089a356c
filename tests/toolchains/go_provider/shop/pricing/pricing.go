// Package pricing computes what customers pay.
package pricing

import (
	"errors"

	"example.com/fmtx"
	"example.com/shop/internal/currency"
)

// Total is what qty items of unit cents each cost in the currency code, tax included, as shown to customers.
func Total(unit int64, qty int, code string) (string, error) {
	if qty < 0 {
		return "", errors.New("negative quantity")
	}
	c, err := currency.Lookup(code)
	if err != nil {
		return "", err
	}
	return fmtx.Money(c.Symbol, withTax(unit*int64(qty))), nil
}

// discount takes percent off cents, rounded to the cent.
func discount(cents int64, percent int32) int64 {
	return cents - roundCents(float64(cents)*float64(percent)/100)
}
