#!/bin/sh
# The pack fuzz target's checks can fail: with the liar test plugin
# (tests/plugins/liar.c, a wrong packing that looks plausible) as its only
# algorithm, replaying the seed corpus must abort on the verifier's
# refusal.  Run by make check from the top build directory.
set -u
prog=${abs_top_builddir:-.}/tests/fuzz/fuzz-pack
out=$(SEQPACK_PLUGIN_PATH=${abs_top_builddir:-.}/tests/plugins \
	FUZZ_PACK_ALGORITHMS=liar "$prog" 2>&1)
rc=$?
if [ "$rc" -eq 0 ]; then
	echo "FAIL: fuzz-pack accepted the liar plugin's packings:"
	echo "$out"
	exit 1
fi
if ! printf '%s\n' "$out" |
	grep -Eq 'check failed: .*liar(: the verifier refused| refused valid input)'; then
	echo "FAIL: fuzz-pack failed (status $rc) but not on the verifier:"
	echo "$out"
	exit 1
fi
echo "ok: fuzz-pack aborts on the liar plugin (status $rc)"
