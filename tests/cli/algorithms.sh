#!/bin/bash
# seqpack algorithms, --help, --version and plugin diagnostics.
. "$(dirname "$0")/common.sh"

expect_ok "algorithms" "$SEQPACK" algorithms
grep -q '^nf  *Next Fit$' "$TMP/out" && pass || fail "nf not listed: $(cat "$TMP/out")"
grep -q '^ *flags: online, streaming$' "$TMP/out" && pass || fail "nf flags not spelled out: $(cat "$TMP/out")"

expect_ok "algorithms --json" "$SEQPACK" algorithms --json
grep -q '^{"algorithms":\[.*{"name":"nf","title":"Next Fit","flags":\["online","streaming"\],"description":"[^"]*"}.*\],"skipped":\[\]}$' "$TMP/out" \
	&& pass || fail "algorithms --json: $(cat "$TMP/out")"
if grep -q '"path"' "$TMP/out"; then fail "path shown without --verbose"; else pass; fi
expect_ok "algorithms --json --verbose" "$SEQPACK" algorithms --json --verbose
grep -q "\"path\":\"[^\"]*/nf\.[ls][ao]\"" "$TMP/out" && pass || fail "no path with --verbose: $(cat "$TMP/out")"

# A module that is not a plugin is skipped with a warning on stderr, and
# the good plugins still load.  Listing always shows the warning; pack
# only with --verbose, or when the algorithm asked for is missing.
mkdir "$TMP/junk"
echo "not a shared object" >"$TMP/junk/junk.so"
SEQPACK_PLUGIN_PATH="$TMP/junk:$SEQPACK_PLUGIN_PATH" run "$SEQPACK" algorithms
expect_eq "broken plugin status" 0 "$rc"
grep -q '^nf ' "$TMP/out" && pass || fail "nf lost next to a broken plugin"
grep -q "^seqpack: warning: skipping $TMP/junk/junk.so" "$TMP/err" && pass || fail "no warning for a broken plugin: $(cat "$TMP/err")"
SEQPACK_PLUGIN_PATH="$TMP/junk:$SEQPACK_PLUGIN_PATH" run "$SEQPACK" algorithms --json
grep -q "\"skipped\":\[\"skipping $TMP/junk/junk.so" "$TMP/out" && pass || fail "skipped list: $(cat "$TMP/out")"
SEQPACK_PLUGIN_PATH="$TMP/junk:$SEQPACK_PLUGIN_PATH" expect_ok "pack quiet about broken plugins" \
	--stdin "$DATA/small.txt" "$SEQPACK" pack -a nf -c 1024
SEQPACK_PLUGIN_PATH="$TMP/junk:$SEQPACK_PLUGIN_PATH" run --stdin "$DATA/small.txt" "$SEQPACK" pack -v -a nf -c 1024
grep -q "^seqpack: warning: skipping $TMP/junk/junk.so" "$TMP/err" && pass || fail "pack -v shows no warning: $(cat "$TMP/err")"
SEQPACK_PLUGIN_PATH="$TMP/junk:$SEQPACK_PLUGIN_PATH" run "$SEQPACK" --verbose pack -a junk -c 1024 "$DATA/small.txt"
expect_eq "missing algorithm status" 2 "$rc"
grep -q "unknown algorithm 'junk'" "$TMP/err" && grep -q "warning: skipping $TMP/junk/junk.so" "$TMP/err" \
	&& pass || fail "unknown algorithm does not explain: $(cat "$TMP/err")"

# No plugins at all is not an error for listing.
mkdir "$TMP/none"
SEQPACK_PLUGIN_PATH="$TMP/none" expect_ok "no plugins" "$SEQPACK" algorithms --json
grep -q '^{"algorithms":\[\],' "$TMP/out" && pass || fail "empty registry JSON: $(cat "$TMP/out")"

# --help documents every option each command accepts, and exits 0.
check_help()
{
	local cmd=$1
	shift
	expect_ok "help $cmd" "$SEQPACK" $cmd --help
	local opt
	for opt in "$@"; do
		grep -q -- "$opt" "$TMP/out" && pass || fail "'seqpack $cmd --help' does not mention $opt"
	done
}
check_help "" --verbose --help --version "Exit status" SEQPACK_PLUGIN_PATH pack stream algorithms
check_help pack --algorithm --capacity --seed --threads " --k " --max-items --output --no-verify --no-timing --verbose --help
check_help stream --algorithm --capacity --max-open --max-items " --k " --verbose --help
check_help algorithms --json --verbose --help
expect_ok "help pack" "$SEQPACK" help pack
grep -q -- '--no-timing' "$TMP/out" && pass || fail "'seqpack help pack' is not pack's help"

expect_ok "version" "$SEQPACK" --version
grep -Eq '^seqpack [0-9]+\.[0-9]+\.[0-9]+ \(libseqpack [0-9]+\.[0-9]+\.[0-9]+\)$' "$TMP/out" && pass || fail "version: $(cat "$TMP/out")"

finish
