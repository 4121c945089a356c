// Round-trip latency of a Go client calling add(int32, int32) -> int32.
//
// Build against a generated stub (OUT holds metropipe/add/stub.go, from
// `metropipe export add services.py --target go python --out OUT`) in a scratch module:
//
//	mkdir -p B && cp -R OUT/metropipe bench/go_client.go B/
//	printf 'module metropipe.bench\n\ngo 1.19\n' > B/go.mod
//	(cd B && go build -o go_client .)
//
// Run with a provider of add serving the channel:
//
//	B/go_client N GAP_US
//
// makes N calls add(i, 1), checking each result, GAP_US microseconds apart (0: back
// to back; the gap is a busy wait, so the timing is not disturbed by a sleeping CPU),
// and prints {"p50_us": ..., "p99_us": ..., "n": N} on stdout. Exit status 1 on any
// failed or wrong call (the message goes to stderr), 2 on bad arguments.
package main

import (
	"fmt"
	"os"
	"sort"
	"strconv"
	"time"

	"metropipe.bench/metropipe/add"
)

// quantile is the q-quantile of sorted samples (nearest rank), in microseconds.
func quantile(sorted []time.Duration, q float64) float64 {
	n := len(sorted)
	rank := int(q*float64(n) + 0.999999)
	if rank < 1 {
		rank = 1
	}
	if rank > n {
		rank = n
	}
	return float64(sorted[rank-1].Nanoseconds()) / 1000
}

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintf(os.Stderr, "usage: %s N GAP_US\n", os.Args[0])
		os.Exit(2)
	}
	n, err := strconv.Atoi(os.Args[1])
	if err != nil || n < 1 {
		fmt.Fprintf(os.Stderr, "go_client: N must be a positive integer, not '%s'\n", os.Args[1])
		os.Exit(2)
	}
	gapUs, err := strconv.Atoi(os.Args[2])
	if err != nil || gapUs < 0 {
		fmt.Fprintf(os.Stderr, "go_client: GAP_US must be a non-negative integer, not '%s'\n", os.Args[2])
		os.Exit(2)
	}
	gap := time.Duration(gapUs) * time.Microsecond
	samples := make([]time.Duration, n)
	for i := 0; i < n; i++ {
		a := int32(i % 1000000)
		if gap > 0 {
			until := time.Now().Add(gap)
			for time.Now().Before(until) {
			}
		}
		t0 := time.Now()
		sum, err := add.Add(a, 1)
		samples[i] = time.Since(t0)
		if err != nil {
			fmt.Fprintf(os.Stderr, "go_client: call %d: add(%d, 1) failed: %v\n", i, a, err)
			os.Exit(1)
		}
		if sum != a+1 {
			fmt.Fprintf(os.Stderr, "go_client: call %d: add(%d, 1) returned %d\n", i, a, sum)
			os.Exit(1)
		}
	}
	sort.Slice(samples, func(i, j int) bool { return samples[i] < samples[j] })
	fmt.Printf("{\"p50_us\": %.3f, \"p99_us\": %.3f, \"n\": %d}\n", quantile(samples, 0.50), quantile(samples, 0.99), n)
}
