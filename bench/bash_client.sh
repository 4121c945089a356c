#!/usr/bin/env bash
# Round-trip latency of a Bash client calling add(int32, int32) -> int32 (through the native proxy,
# or `metropipe proxy` with METROPIPE_NATIVE=0).
#
# Run against a generated stub (OUT holds metropipe/add/stub.sh), with a provider of add
# serving the channel and `metropipe` on PATH (or METROPIPE_COMMAND="python3 -m metropipe"):
#     bash bench/bash_client.sh OUT N GAP_US
# makes N calls `add i 1`, checking each result, GAP_US microseconds apart (a sleep: at these
# latencies a busy wait would measure nothing more), and prints {"p50_us": ..., "p99_us": ...,
# "n": N} on stdout. Each call is timed with $EPOCHREALTIME (microseconds). One untimed call first
# finds (or builds) the native proxy, as a script's first call does. Exit status 1 on any failed
# or wrong call, 2 on bad arguments.
set -u

usage() {
    printf 'bash_client: %s\nusage: bash bash_client.sh OUT N GAP_US\n' "$1" >&2
    exit 2
}

(( $# == 3 )) || usage "expected 3 arguments"
[[ $2 =~ ^[1-9][0-9]*$ ]] || usage "N must be a positive integer, not '$2'"
[[ $3 =~ ^[0-9]+$ ]] || usage "GAP_US must be a non-negative integer, not '$3'"
out=$1 n=$2 gap_us=$3
# shellcheck source=/dev/null
source "$out/metropipe/add/stub.sh"

now_us() {
    local t=${EPOCHREALTIME/[.,]/}
    now=$(( 10#$t ))
}

if ! add 0 0 >/dev/null; then # untimed, in this shell: the proxy it finds is kept for the calls below
    echo "bash_client: the first call failed ($(metropipe_error_kind $?))" >&2
    exit 1
fi
samples=()
for (( i = 0; i < n; i++ )); do
    a=$(( i % 1000000 ))
    if (( gap_us > 0 )); then
        sleep "$(printf '0.%06d' "$gap_us")"
    fi
    now_us
    t0=$now
    if ! sum=$(add "$a" 1); then
        echo "bash_client: call $i: add $a 1 failed ($(metropipe_error_kind $?))" >&2
        exit 1
    fi
    now_us
    samples+=($(( now - t0 )))
    if (( sum != a + 1 )); then
        echo "bash_client: call $i: add $a 1 printed '$sum'" >&2
        exit 1
    fi
done
mapfile -t sorted < <(printf '%s\n' "${samples[@]}" | sort -n)
rank() { # nearest rank of quantile $1 (in percent)
    local r=$(( (n * $1 + 99) / 100 ))
    (( r < 1 )) && r=1
    (( r > n )) && r=$n
    echo "${sorted[r - 1]}"
}
printf '{"p50_us": %d.000, "p99_us": %d.000, "n": %d}\n' "$(rank 50)" "$(rank 99)" "$n"
