#!/usr/bin/env bash
# The shell habits: bash completion and the man page generated from the CLI definition (every
# subcommand and option of `--help` in both), the help calling -o a folder for run, and the run
# saying why its travel cutoff is larger than the scenario's.
# Usage (ctest): shell_test.sh OASIS_EXE SOURCE_DIR WORK_DIR
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"  # fail, expect_rc
oasis="$1"
src="$2"
work="$3"
rm -rf "$work" && mkdir -p "$work" && cd "$work"

# 1. Completion: sourced into bash, it completes commands, each command's options, and files.
expect_rc 0 "$oasis" completion
cp out oasis.bash
complete_words() {  # complete_words WORD...: what bash offers for the last word
  bash -c 'source ./oasis.bash; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _oasis; printf "%s\n" "${COMPREPLY[@]}"' _ "$@" | sort | tr '\n' ' '
}
[ "$(complete_words oasis ru)" = "run " ] || fail "completion of 'oasis ru': $(complete_words oasis ru)"
[ "$(complete_words oasis run --ov)" = "--overwrite " ] || fail "completion of 'oasis run --ov': $(complete_words oasis run --ov)"
[ "$(complete_words oasis run x.toml --csv)" = "--csv-fr " ] || fail "completion after a positional: $(complete_words oasis run x.toml --csv)"
[ "$(complete_words oasis site --exa)" = "--exact --exact-time-limit " ] || fail "completion of site options: $(complete_words oasis site --exa)"
touch scenario-a.toml
[ "$(complete_words oasis run scenario-)" = "scenario-a.toml " ] || fail "file completion: $(complete_words oasis run scenario-)"
# Every option of every command's --help is offered.
for cmd in info travel access run diff site grants map; do
  "$oasis" "$cmd" --help | grep -oE '^ +(-[a-z], *)?--[a-z0-9-]+' | grep -oE -- '--[a-z0-9-]+' | while read -r opt; do
    [ "$(complete_words oasis "$cmd" "$opt" | tr ' ' '\n' | grep -cx -- "$opt")" -ge 1 ] || fail "completion lacks $cmd $opt"
  done
done

# 2. The man page: valid roff (groff, no warning) with every command, option and exit code.
expect_rc 0 "$oasis" man
cp out oasis.1
if command -v groff >/dev/null; then
  groff -k -man -Tutf8 -ww -z oasis.1 2>groff.err || fail "groff: $(cat groff.err)"
  [ ! -s groff.err ] || fail "groff warnings: $(head -3 groff.err)"
fi
for cmd in info travel access run diff scenario site grants map; do grep -q "^\.SS \"oasis $cmd" oasis.1 || fail "man page: no section for $cmd"; done
grep -q '^\\fB\\-o,\\-\\-output\\fR \\fIOUTDIR\\fR' oasis.1 || fail "man page: run's -o OUTDIR"
[ "$(grep -c '^\.B [0-9]' oasis.1)" -eq "$(grep -c '^| [0-9]' "$src/docs/errors.md")" ] || fail "man page: the exit codes of docs/errors.md"

# 3. run --help: -o is the output folder.
"$oasis" run --help | grep -E -- '-o,--output OUTDIR +Output folder' >/dev/null || fail "run --help: -o is not described as a folder"

# 4. The run's text summary says why the cutoff is not the scenario's (flags.deficit_2003 needs 40 min).
expect_rc 0 "$oasis" run "$src/scenarios/centre-val-de-loire.toml" -o a
grep -q "cutoff 40 min (30 in the scenario, raised by flags.deficit_2003" out || fail "run: cutoff without its reason: $(grep travel out)"
[ "$(jq -r '.travel.cutoff_min_scenario' a/summary.json)" = 30 ] || fail "summary: travel.cutoff_min_scenario"
echo "shell: completion, man page, help and messages checked"
