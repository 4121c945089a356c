// Package currency knows the shop's currencies.
package currency

import "fmt"

// Currency is an ISO 4217 code and how prices show it.
type Currency struct {
	Code   string
	Symbol string
}

var known = map[string]Currency{
	"EUR": {"EUR", "€"},
	"USD": {"USD", "$"},
}

// Lookup finds a currency by its code.
func Lookup(code string) (Currency, error) {
	c, ok := known[code]
	if !ok {
		return Currency{}, fmt.Errorf("unknown currency %q", code)
	}
	return c, nil
}
