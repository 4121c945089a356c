// Package calc is a small numeric and text toolkit, as a Go module would have it.
//
// The Go provider's end-to-end tests export functions from here and call them from
// Python.
package calc

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// ErrEmpty is returned for empty input.
var ErrEmpty = errors.New("empty input")

// ParseError says what could not be parsed.
type ParseError struct {
	Input string
}

func (e *ParseError) Error() string { return fmt.Sprintf("ParseError: cannot parse %q", e.Input) }

// Stack is a generic container elsewhere in the file: not what is exported.
type Stack[T any] struct {
	items []T
}

// Push needs a stack (it is a method).
func (s *Stack[T]) Push(v T) { s.items = append(s.items, v) }

// Describe describes every argument (the text cut to 12 characters).
func Describe(i32 int32, i64 int64, f32 float32, f64 float64, flag bool, text string, blob []byte) string {
	head := []rune(text)
	if len(head) > 12 {
		head = head[:12]
	}
	sum := 0
	for _, b := range blob {
		sum += int(b)
	}
	return fmt.Sprintf("%d|%d|%s|%s|%t|%d:%s|%d:%d", i32, i64, strconv.FormatFloat(float64(f32), 'g', -1, 32),
		strconv.FormatFloat(f64, 'g', -1, 64), flag, utf8.RuneCountInString(text), string(head), len(blob), sum)
}

// Add adds two numbers; overflow wraps around.
func Add(a, b int32) int32 {
	return a + b
}

// Negate negates Go's int, which is int64 on the wire.
func Negate(x int) int {
	return -x
}

// Half halves a float32.
func Half(x float32) float32 { return x / 2 }

// Scale multiplies.
func Scale(x, by float64) (result float64) {
	return x * by
}

// Invert negates a bool.
func Invert(flag bool) bool { return !flag }

// Shout upper-cases.
func Shout(text string) string { return strings.ToUpper(text) + "!" }

// BlobOf returns n bytes of fill.
func BlobOf(n, fill int32) []byte {
	out := make([]byte, n)
	for i := range out {
		out[i] = byte(fill)
	}
	return out
}

// Reverse reverses bytes; empty input is an error.
func Reverse(data []uint8) ([]uint8, error) {
	if len(data) == 0 {
		return nil, ErrEmpty
	}
	out := make([]uint8, len(data))
	for i, b := range data {
		out[len(data)-1-i] = b
	}
	return out, nil
}

// ParseNumber parses a decimal number.
func ParseNumber(text string) (value float64, err error) {
	v, err := strconv.ParseFloat(strings.TrimSpace(text), 64)
	if err != nil {
		return 0, &ParseError{Input: text}
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
	return int64(math.Sqrt(float64(x)))
}

// Repeat repeats text, which may not fit the wire's string slot.
func Repeat(text string, n int32) string { return strings.Repeat(text, int(n)) }

// Garbled returns bytes that are not UTF-8 as a string.
func Garbled() string { return "\xff\xfe" }

// Slow takes its time.
func Slow(millis int32) int32 {
	time.Sleep(time.Duration(millis) * time.Millisecond)
	return millis
}

// Noop does nothing.
func Noop() {}

// initial is unexported: the provider calls it from inside the package.
func initial(name string, r rune) rune {
	for _, c := range name {
		return c + r - r
	}
	return r
}
