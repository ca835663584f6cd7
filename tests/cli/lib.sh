# Helpers shared by the CLI tests (sourced after `work` is set and the shell is in it).
fail() {
  echo "FAIL: $*" >&2
  exit 1
}
expect_rc() {  # expect_rc CODE command...: runs, checks the exit code, keeps stdout / stderr in $work/out, $work/err
  local want="$1"
  shift
  set +e
  "$@" >"$work/out" 2>"$work/err"
  local rc=$?
  set -e
  [ "$rc" -eq "$want" ] || fail "'$*' exited with $rc, expected $want: $(cat "$work/err")"
}
col() {  # col FILE NAME: index (1-based) of a CSV column
  head -1 "$1" | tr ',' '\n' | grep -nx "$2" | cut -d: -f1
}
