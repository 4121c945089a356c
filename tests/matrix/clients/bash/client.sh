#!/usr/bin/env bash
# The conformance scenario (tests/fixtures/matrix/scenario.py) through the generated Bash stubs.
#     bash client.sh STUBS [PYTHON]   (STUBS holds metropipe/<function>/stub.sh; without `metropipe`
#                                      on PATH, the stubs run PYTHON -m metropipe)
set -u
stubs=$1
if ! command -v metropipe >/dev/null 2>&1 && [[ -z ${METROPIPE_COMMAND-} ]]; then
    export METROPIPE_COMMAND="${2:-python3} -m metropipe"
fi
for fn in every boom echo_bytes ping; do
    # shellcheck source=/dev/null
    source "$stubs/metropipe/$fn/stub.sh"
done

result=$(every -5 4611686018427387904 1.5 -0.1 true $'h\xc3\xa9llo \xe2\x9c\x93' 00ff) || exit 1
printf 'every: %s\n' "$result"

if message=$(boom kaput 2>&1 >/dev/null); then
    echo "boom: no error"
else
    status=$?
    kind=$(metropipe_error_kind "$status")
    printf 'boom: %s %s\n' "$kind" "${message#metropipe proxy: "$kind": }"
fi

long=$(printf 'x%.0s' {1..300})
if every 0 0 0.0 0.0 false "$long" '' >/dev/null 2>&1; then
    echo "oversized: sent"
else
    printf 'oversized: %s\n' "$(metropipe_error_kind $?)"
fi

hex=''
for (( i = 0; i < 256; i++ )); do printf -v byte '%02x' "$i"; hex+=$byte; done
data=''
for (( i = 0; i < 15; i++ )); do data+=$hex; done
printf -v zeros '%*s' 252 ''
data+=${zeros// /00}
count=0 sum=0
while read -r -a bytes; do
    for b in "${bytes[@]}"; do
        (( count += 1, sum += b ))
    done
done < <(echo_bytes "$data" | od -An -v -tu1)
printf 'echo_bytes: %d %d\n' "$count" "$sum"

ping && echo "ping: ok"
