#!/usr/bin/env bash
# The bad-input corpus (docs/reliability.md): every case of cases.tsv must end with its exit code
# and print its fragment (an error name, a key, a warning counted in the JSON), within 60 s, and a
# refused command must leave no output behind (nothing that looks complete but is not).
# Usage (ctest): run.sh OASIS_EXE SOURCE_DIR WORK_DIR [CASE_ID]
set -uo pipefail
oasis="$1"
SRC="$2"
work="$3"
only="${4:-}"
F="$SRC/tests/bad_inputs/files"
DATA="${OASIS_DATA:-$SRC/../shared/geodata}"
export oasis SRC F DATA
rm -rf "$work" && mkdir -p "$work"
n=0 failed=0
while IFS=$'\t' read -r id want fragment cmd; do
  [[ -z "$id" || "$id" == \#* ]] && continue
  [[ -n "$only" && "$id" != "$only" ]] && continue
  n=$((n + 1))
  W="$work/$id"
  mkdir -p "$W"
  export W
  timeout 60 bash -c "$cmd" >"$W/stdout" 2>"$W/stderr"
  rc=$?
  problem=""
  if [ "$rc" -eq 124 ]; then problem="timed out (a hang)"
  elif [ "$rc" -ge 128 ]; then problem="killed by signal $((rc - 128)) (a crash)"
  elif [ "$rc" -ne "$want" ]; then problem="exit $rc, expected $want"
  elif ! grep -qF -- "$fragment" "$W/stdout" "$W/stderr"; then problem="output lacks '$fragment'"
  elif [ "$want" -ne 0 ] && compgen -G "$W/out*" >/dev/null; then problem="refused, but an output was written: $(ls "$W" | grep '^out' | tr '\n' ' ')"
  fi
  if [ -n "$problem" ]; then
    failed=$((failed + 1))
    echo "FAIL $id: $problem"
    echo "  command: $cmd"
    sed 's/^/  | /' "$W/stderr" | head -5
  fi
done <"$SRC/tests/bad_inputs/cases.tsv"
echo "bad inputs: $n cases, $failed failed"
[ "$n" -gt 0 ] && [ "$failed" -eq 0 ]
