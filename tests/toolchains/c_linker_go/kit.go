// Package kit is a small toolkit written like real Go code; the c-linker tests build its
// functions into a C shared library (go build -buildmode=c-shared) and call them from C
// and from Python ctypes.
package kit

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"
)

// ErrEmpty is returned for empty input.
var ErrEmpty = errors.New("empty input")

// Counter is a type with a method elsewhere in the file: not what is exported.
type Counter struct {
	mu sync.Mutex
	n  int
}

// Bump needs a counter (it is a method).
func (c *Counter) Bump() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.n++
	return c.n
}

var (
	kept    [][]byte // what Keep was given: the library must have handed over copies
	keptMu  sync.Mutex
	touched int64
)

// Describe describes every argument.
func Describe(i32 int32, i64 int64, f32 float32, f64 float64, flag bool, text string, blob []byte) string {
	sum := 0
	for _, b := range blob {
		sum += int(b)
	}
	return fmt.Sprintf("%d|%d|%s|%s|%t|%d:%s|%d:%d", i32, i64, strconv.FormatFloat(float64(f32), 'g', -1, 32),
		strconv.FormatFloat(f64, 'g', -1, 64), flag, utf8.RuneCountInString(text), text, len(blob), sum)
}

// Add adds two numbers; overflow wraps around.
func Add(a, b int32) int32 { return a + b }

// Widen is int64 in, int64 out.
func Widen(x int64) int64 { return x * 2 }

// Negate negates Go's int, which is int64 in C.
func Negate(x int) int { return -x }

// Half halves a float32.
func Half(x float32) float32 { return x / 2 }

// Scale multiplies (named result).
func Scale(x, by float64) (result float64) {
	return x * by
}

// Invert negates a bool.
func Invert(flag bool) bool { return !flag }

// Shout upper-cases.
func Shout(text string) string { return strings.ToUpper(text) + "!" }

// Reverse reverses bytes (in place: the library gave it a copy); empty input is an error.
func Reverse(data []uint8) ([]uint8, error) {
	if len(data) == 0 {
		return nil, ErrEmpty
	}
	for i, j := 0, len(data)-1; i < j; i, j = i+1, j-1 {
		data[i], data[j] = data[j], data[i]
	}
	return data, nil
}

// Keep retains its argument after returning.
func Keep(data []byte) int32 {
	keptMu.Lock()
	defer keptMu.Unlock()
	kept = append(kept, data)
	return int32(len(kept))
}

// Kept returns what Keep was given first.
func Kept() []byte {
	keptMu.Lock()
	defer keptMu.Unlock()
	if len(kept) == 0 {
		return nil
	}
	return kept[0]
}

// ParseNumber parses a decimal number.
func ParseNumber(text string) (value float64, err error) {
	v, err := strconv.ParseFloat(strings.TrimSpace(text), 64)
	if err != nil {
		return 0, fmt.Errorf("cannot parse %q", text)
	}
	return v, nil
}

// Check fails when value is over the limit.
func Check(value, limit int64) error {
	if value > limit {
		return fmt.Errorf("%d is over the limit %d", value, limit)
	}
	return nil
}

// Isqrt panics on a negative input.
func Isqrt(x int64) int64 {
	if x < 0 {
		panic(fmt.Sprintf("isqrt of a negative number: %d", x))
	}
	r := int64(0)
	for (r+1)*(r+1) <= x {
		r++
	}
	return r
}

// Nul returns a string a C string cannot hold.
func Nul() string { return "a\x00b" }

// Garbled returns bytes that are not UTF-8 as a string.
func Garbled() string { return "\xff\xfe" }

// Touch counts calls and returns nothing.
func Touch() { touched++ }

// Touches says how often Touch ran.
func Touches() int64 { return touched }

// initial is unexported: the library calls it from inside the package.
func initial(name string, r rune) rune {
	for _, c := range name {
		return c + r
	}
	return r
}
