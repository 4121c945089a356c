#!/usr/bin/env bash
# The quickstart: export a Python function, start its provider, call it from C.
# Runs in a scratch copy of this folder, so the repository stays clean.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d)"
trap 'kill "$provider" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"' EXIT
cp "$here/services.py" "$here/main.c" "$work/"
cd "$work"
export METROPIPE_DIR="$work/channels"   # private channels for this demo (default: /dev/shm)
mkdir -m 700 "$METROPIPE_DIR"

set -x
metropipe export classify services.py --target c python
python3 metropipe/classify/provider.py 2> provider.log &
provider=$!
gcc -std=c11 -Wall -Wextra -o classify_client main.c
set +x

# No need to wait for the provider: a call waits for one (up to its timeout, 5 s).
./classify_client "metropipe calls a Python function from C"
./classify_client "hello world"
