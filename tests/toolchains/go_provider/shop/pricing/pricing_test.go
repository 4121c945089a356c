package pricing_test

import (
	"testing"

	"example.com/shop/pricing"
)

func TestTotal(t *testing.T) {
	if got, err := pricing.Total(1000, 2, "EUR"); err != nil || got != "€24.00" {
		t.Fatalf("Total = %q, %v", got, err)
	}
}
