// The conformance scenario (tests/fixtures/matrix/scenario.py) from Go, through the
// stubs generated for every, boom, echo_bytes and ping (namespace mode), copied
// next to this file by run.json's build steps.
package main

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"metropipe.matrix/client/metropipe/boom"
	"metropipe.matrix/client/metropipe/echo_bytes"
	"metropipe.matrix/client/metropipe/every"
	"metropipe.matrix/client/metropipe/ping"
)

func fail(what string, err error) {
	fmt.Fprintf(os.Stderr, "%s: unexpected result: %v\n", what, err)
	os.Exit(1)
}

func main() {
	text, err := every.Every(-5, 4611686018427387904, 1.5, -0.1, true, "h\u00e9llo \u2713", []byte{0x00, 0xff})
	if err != nil {
		fail("every", err)
	}
	fmt.Printf("every: %s\n", text)

	_, err = boom.Boom("kaput")
	var be *boom.Error
	if !errors.As(err, &be) {
		fail("boom", err)
	}
	fmt.Printf("boom: %s %s\n", be.Code, be.Message)

	_, err = every.Every(0, 0, 0, 0, false, strings.Repeat("x", 300), nil)
	var ee *every.Error
	if !errors.As(err, &ee) {
		fail("oversized", err)
	}
	fmt.Printf("oversized: %s\n", ee.Code)

	data := make([]byte, 0, 4092)
	for i := 0; i < 15; i++ {
		for b := 0; b < 256; b++ {
			data = append(data, byte(b))
		}
	}
	data = append(data, make([]byte, 252)...)
	echoed, err := echo_bytes.EchoBytes(data)
	if err != nil {
		fail("echo_bytes", err)
	}
	sum := 0
	for _, b := range echoed {
		sum += int(b)
	}
	fmt.Printf("echo_bytes: %d %d\n", len(echoed), sum)

	if err := ping.Ping(); err != nil {
		fail("ping", err)
	}
	fmt.Println("ping: ok")
}
