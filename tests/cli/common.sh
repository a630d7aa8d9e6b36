# Sourced by every tests/cli/*.sh: locate the tree, set up a scratch
# directory and provide the assertions.  Works under `make check` (which
# exports abs_top_builddir, abs_top_srcdir and SEQPACK_PLUGIN_PATH) and
# when a script is run by hand from the top build directory.

set -u

here=$(cd "$(dirname "$0")" && pwd)
: "${abs_top_srcdir:=$(cd "$here/../.." && pwd)}"
: "${abs_top_builddir:=$(pwd)}"
: "${SEQPACK_PLUGIN_PATH:=$abs_top_builddir/plugins}"
export SEQPACK_PLUGIN_PATH

# The libtool wrapper: it runs the uninstalled binary against the
# uninstalled library.
SEQPACK=$abs_top_builddir/tools/seqpack
DATA=$abs_top_srcdir/tests/data
CHECK_PACKING=$abs_top_srcdir/tests/cli/check-packing.awk
[ -x "$SEQPACK" ] || { echo "FAIL: $SEQPACK not built" >&2; exit 99; }

TMP=$(mktemp -d "${TMPDIR:-/tmp}/seqpack-cli.XXXXXX") || exit 99
trap 'rm -rf "$TMP"' EXIT

failures=0
checks=0

fail()
{
	echo "FAIL: $*" >&2
	failures=$((failures + 1))
}

pass()
{
	checks=$((checks + 1))
}

# run [--stdin FILE] CMD... : run with stdout/stderr captured in
# $TMP/out and $TMP/err; the exit status lands in $rc.
run()
{
	local in=/dev/null
	if [ "$1" = --stdin ]; then
		in=$2
		shift 2
	fi
	"$@" <"$in" >"$TMP/out" 2>"$TMP/err"
	rc=$?
}

# expect_ok DESC CMD... : exit 0 and nothing on stderr.
expect_ok()
{
	local desc=$1
	shift
	run "$@"
	if [ "$rc" -ne 0 ]; then
		fail "$desc: exit $rc, stderr: $(cat "$TMP/err")"
	elif [ -s "$TMP/err" ]; then
		fail "$desc: unexpected stderr: $(cat "$TMP/err")"
	else
		pass
	fi
}

# expect_fail DESC STATUS ERE CMD... : exit STATUS, empty stdout, exactly
# one line on stderr, matching the extended regular expression ERE.
expect_fail()
{
	local desc=$1 status=$2 re=$3
	shift 3
	run "$@"
	local lines
	lines=$(wc -l <"$TMP/err")
	if [ "$rc" -ne "$status" ]; then
		fail "$desc: exit $rc, expected $status; stderr: $(cat "$TMP/err")"
	elif [ -s "$TMP/out" ]; then
		fail "$desc: stdout not empty: $(head -c 200 "$TMP/out")"
	elif [ "$lines" -ne 1 ]; then
		fail "$desc: expected one line on stderr, got $lines: $(cat "$TMP/err")"
	elif ! grep -Eq -- "$re" "$TMP/err"; then
		fail "$desc: stderr '$(cat "$TMP/err")' does not match /$re/"
	else
		pass
	fi
}

# expect_eq DESC EXPECTED ACTUAL
expect_eq()
{
	if [ "$2" = "$3" ]; then
		pass
	else
		fail "$1: expected '$2', got '$3'"
	fi
}

# The value of a top-level or metrics integer field of a one-line JSON
# answer, e.g. json_int bins "$TMP/out" gives the metrics' bin count.
json_int()
{
	sed -n "s/.*\"$1\":\\([0-9][0-9]*\\).*/\\1/p" "$2" | head -n 1
}

# check_packing LENGTHS JSON CAPACITY [MAX_ITEMS]: an independent check
# that JSON (seqpack pack output) is a valid packing of LENGTHS; prints
# the bin count.
check_packing()
{
	awk -v capacity="$3" -v max_items="${4:-0}" -f "$CHECK_PACKING" "$1" "$2"
}

# random_lengths N MAX SEED: N lengths in 1..MAX, one per line, from the
# Park-Miller generator (exact in awk's doubles), so every awk gives the
# same file.
random_lengths()
{
	awk -v n="$1" -v max="$2" -v seed="$3" 'BEGIN {
		x = seed % 2147483647; if (x <= 0) x += 2147483646
		for (i = 0; i < n; i++) {
			x = (x * 16807) % 2147483647
			print 1 + (x % max)
		}
	}'
}

# npy_file OUT HEADER: start a version 1.0 .npy file OUT with the header
# dict HEADER, padded as NumPy pads it; the caller appends the data.
npy_file()
{
	local out=$1 header=$2
	while [ $(( (10 + ${#header} + 1) % 64 )) -ne 0 ]; do
		header="$header "
	done
	header="$header"$'\n'
	{
		printf '\223NUMPY\001\000'
		printf "\\$(printf %03o $(( ${#header} & 255 )))\\$(printf %03o $(( ${#header} >> 8 )))"
		printf '%s' "$header"
	} >"$out"
}

finish()
{
	if [ "$failures" -ne 0 ]; then
		echo "$failures of $((checks + failures)) checks failed" >&2
		exit 1
	fi
	if [ "$checks" -eq 0 ]; then
		echo "FAIL: no checks ran" >&2
		exit 1
	fi
	echo "all $checks checks passed"
	exit 0
}
