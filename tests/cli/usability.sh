#!/bin/bash
# The CLI as an ML user tries it (issue 12, "Also"): K/M/G capacities,
# files in formats it does not read named with a hint (never their bytes),
# the progress line, several input files, `seqpack help --help`, the
# stream --help typo and the shape of a 2-D .npy.
. "$(dirname "$0")/common.sh"

P="$SEQPACK pack -a nf --no-timing"
put() { printf "$2" >"$TMP/$1"; echo "$TMP/$1"; }
lengths=$(put lengths.txt '100\n3000\n4000\n96\n')

# 1. Capacities with the daemon config's suffixes, 1024 multiples.
run $P -c 4096 "$lengths"
cp "$TMP/out" "$TMP/c4096"
for c in 4k 4K; do
	expect_ok "-c $c" $P -c "$c" "$lengths"
	cmp -s "$TMP/out" "$TMP/c4096" && pass || fail "-c $c differs from -c 4096"
done
expect_ok "--capacity=1M" $P --capacity=1M "$lengths"
expect_eq "1M is 1048576" 1048576 "$(json_int capacity "$TMP/out")"
expect_ok "-c 2047M" $P -c 2047M "$lengths"
expect_eq "2047M is 2146435072" 2146435072 "$(json_int capacity "$TMP/out")"
expect_fail "2G is past the largest capacity" 2 "--capacity: '2G' \(= 2147483648\) is out of range \(1 to 2147483647\)" $P -c 2G "$lengths"
expect_fail "a suffix past 2^64" 2 "--capacity: '99999999999999999999K' is out of range" $P -c 99999999999999999999K "$lengths"
expect_fail "4kb" 2 "--capacity: '4kb' is not a non-negative integer \(a K, M or G suffix" $P -c 4kb "$lengths"
expect_fail "0k" 2 "--capacity: '0k' \(= 0\) is out of range" $P -c 0k "$lengths"
expect_ok "stream -c 4k" $SEQPACK stream -c 4k "$lengths"
expect_eq "stream -c 4k packs at 4096" '{"pack":0,"ids":[0,1],"used":3100}' "$(head -n 1 "$TMP/out")"
# The daemon reads its sizes with the same parser.
SEQPACKD=$abs_top_builddir/daemon/seqpackd
run "$SEQPACKD" --config=/dev/null --check-config --max-request-size=4k
grep -q 'max-request-size = 4096$' "$TMP/err" && pass ||
	fail "seqpackd max-request-size=4k: $(cat "$TMP/err")"
run "$SEQPACKD" --config=/dev/null --check-config --max-request-size=4kb
[ "$rc" -ne 0 ] && grep -q "invalid value '4kb'" "$TMP/err" && pass ||
	fail "seqpackd max-request-size=4kb: exit $rc, $(cat "$TMP/err")"

# 2. Formats that are not read: named, with how to get the lengths out.
seq 1 10 | gzip >"$TMP/lengths.txt.gz"
expect_fail "gzip" 1 "lengths.txt.gz: looks like a gzip file; decompress it first \(zcat $TMP/lengths.txt.gz \| seqpack pack -c 4096 -\)$" $P -c 4096 "$TMP/lengths.txt.gz"
expect_fail "gzip on stdin" 1 "<stdin>: looks like a gzip file; decompress it first \(zcat FILE \| seqpack pack" --stdin "$TMP/lengths.txt.gz" $P -c 4096
expect_fail "gzip to stream" 1 "stream: .*lengths.txt.gz: looks like a gzip file; decompress it first \(zcat .* \| seqpack stream -c 4096 -\)" $SEQPACK stream -c 4096 "$TMP/lengths.txt.gz"
# A zip local file header whose one member is lengths.npy: what
# numpy.savez writes.
zip_of() {
	printf 'PK\003\004\024\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000'
	printf "\\$(printf %03o ${#1})\\000\\000\\000%s" "$1"
	printf '\223NUMPY\001\000'
}
zip_of lengths.npy >"$TMP/arrays.npz"
expect_fail "npz" 1 "arrays.npz: \.npz archives are not read; save the array with numpy\.save as \.npy \(or take it out: unzip -p $TMP/arrays.npz lengths\.npy \| seqpack pack -c 4096 -\)$" $P -c 4096 "$TMP/arrays.npz"
zip_of lengths.txt >"$TMP/bundle.zip"
expect_fail "zip" 1 "bundle.zip: looks like a zip archive; extract the lengths first \(unzip -p $TMP/bundle.zip lengths\.txt" $P -c 4096 "$TMP/bundle.zip"
f=$(put data.csv '1,2,3\n4,5,6\n')
expect_fail "CSV rows" 1 "data.csv: line 1: '1,2,3' looks like CSV; one integer per line expected \(e\.g\. cut -d, -f3 $TMP/data.csv \| seqpack pack -c 4096 -\)$" $P -c 4096 "$f"
f=$(put header.csv 'id,num_tokens,split\n0,512,train\n')
expect_fail "CSV with a header" 1 "line 1: 'id,num_tokens,split' looks like CSV; one integer per line expected \(e\.g\. tail -n \+2 $TMP/header.csv \| cut -d, -f2 \| seqpack pack" $P -c 4096 "$f"
f=$(put header.tsv 'id\tlength\n0\t512\n')
expect_fail "TSV with a header" 1 "line 1: 'id\\\\tlength' looks like TSV; .*tail -n \+2 $TMP/header.tsv \| cut -f2 \|" $P -c 4096 "$f"
f=$(put late.txt '10 20\n30, 40\n')
expect_fail "a CSV line after plain ones" 1 "late.txt: line 2: '30, 40' looks like CSV" $P -c 4096 "$f"
f=$(put nul.bin '12\000\001\002\377')
expect_fail "binary" 1 "nul.bin: looks like a binary file \(byte 0x00 at offset 2\); expected integers as text, a JSON array, JSON Lines or a \.npy array$" $P -c 4096 "$f"
f=$(put utf16.txt '\377\3761\000\n\000')
expect_fail "UTF-16" 1 "utf16.txt: looks like UTF-16 text; convert it to UTF-8 first \(iconv -f UTF-16 -t UTF-8" $P -c 4096 "$f"
f=$(put table.parquet 'PAR1\025\004')
expect_fail "Parquet" 1 "table.parquet: looks like a Parquet file, which is not read" $P -c 4096 "$f"
# No message carries a raw byte of any of these files: only printable
# ASCII besides the newline.
for f in lengths.txt.gz arrays.npz bundle.zip nul.bin utf16.txt table.parquet; do
	run $P -c 4096 "$TMP/$f"
	if LC_ALL=C grep -q '[^[:print:]]' "$TMP/err"; then
		fail "$f: raw bytes in '$(od -c "$TMP/err" | head -n 3)'"
	else
		pass
	fi
done

# 3. Progress: with --progress, lines on stderr and stdout unchanged;
# without it and not on a terminal, nothing.
random_lengths 5000 4096 7 >"$TMP/many.txt"
expect_ok "no progress off a terminal" $P -c 4096 "$TMP/many.txt"
cp "$TMP/out" "$TMP/quiet.json"
run $P -c 4096 --progress "$TMP/many.txt"
expect_eq "--progress exit" 0 "$rc"
cmp -s "$TMP/out" "$TMP/quiet.json" && pass || fail "--progress changed stdout"
grep -q "^seqpack: pack: reading $TMP/many.txt$" "$TMP/err" && pass || fail "no reading line: $(cat "$TMP/err")"
grep -q "^seqpack: pack: packing 5000 sequences with nf$" "$TMP/err" && pass || fail "no packing line: $(cat "$TMP/err")"
grep -Eq "^seqpack: pack: writing [0-9]+ bins$" "$TMP/err" && pass || fail "no writing line: $(cat "$TMP/err")"
bins=$(json_int bins "$TMP/out")
grep -Eq "^seqpack: pack: done: 5000 sequences in $bins bins, $(wc -c <"$TMP/out") bytes written \(read [0-9.]+ s, pack [0-9.]+ s, write [0-9.]+ s\)$" "$TMP/err" && pass ||
	fail "no summary line: $(cat "$TMP/err")"
expect_eq "four progress lines" 4 "$(wc -l <"$TMP/err")"
expect_ok "--no-progress" $P -c 4096 --progress --no-progress "$TMP/many.txt"
# On a terminal (script(1) gives one), progress is on by default.
if command -v script >/dev/null 2>&1; then
	script -qec "$P -c 4096 $TMP/many.txt >$TMP/tty.json" /dev/null >"$TMP/tty.err" 2>&1
	grep -q "done: 5000 sequences" "$TMP/tty.err" && pass || fail "no progress on a terminal: $(cat -v "$TMP/tty.err")"
	cmp -s "$TMP/tty.json" "$TMP/quiet.json" && pass || fail "stdout differs on a terminal"
fi

# 4. Several input files: one list, indices running across the files.
a=$(put a.txt '1000\n2000\n')
b=$(put b.json '[3000, 500, 96]')
c=$(put c.jsonl '{"length": 4000}\n')
{ printf '1000\n2000\n3000\n500\n96\n4000\n'; } >"$TMP/all.txt"
expect_ok "pack of one file" $P -c 4096 "$TMP/all.txt"
cp "$TMP/out" "$TMP/all.json"
expect_ok "pack of three files" $P -c 4096 "$a" "$b" "$c"
cmp -s "$TMP/out" "$TMP/all.json" && pass || fail "three files: $(cat "$TMP/out") != $(cat "$TMP/all.json")"
expect_eq "sequences across files" 6 "$(json_int sequences "$TMP/out")"
expect_ok "stdin between files" --stdin "$b" $P -c 4096 "$a" - "$c"
cmp -s "$TMP/out" "$TMP/all.json" && pass || fail "a - c: $(cat "$TMP/out")"
bad=$(put bad.txt '10\n5000\n')
expect_fail "error in a second file" 1 "bad.txt: line 2: sequence 3 has length 5000 > capacity 4096" $P -c 4096 "$a" "$bad"
expect_fail "missing second file" 3 "cannot open $TMP/nope.txt" $P -c 4096 "$a" "$TMP/nope.txt"

expect_ok "stream of two files" $SEQPACK stream -c 4096 "$a" "$TMP/all.txt"
expect_eq "stream ids run across files" '{"pack":2,"ids":[4,5,6],"used":3596}' "$(sed -n 3p "$TMP/out")"
expect_fail "stream: missing second file, no packs" 3 "cannot open $TMP/nope.txt" $SEQPACK stream -c 4096 "$a" "$TMP/nope.txt"

# 5. and 6. Help.
expect_ok "stream --help" $SEQPACK stream --help
grep -q "po\.algorithm" "$TMP/out" && fail "stream --help: po.algorithm" || pass
grep -q "with an online algorithm" "$TMP/out" && pass || fail "stream --help: $(head -n 4 "$TMP/out")"
for h in "help --help" "help -h" "help help"; do
	expect_ok "$h" $SEQPACK $h
	grep -q "^Usage: seqpack \[OPTION\]... COMMAND" "$TMP/out" && pass || fail "$h: $(head -n 1 "$TMP/out")"
done
expect_fail "help of an unknown command" 2 "help: unknown command 'nope'" $SEQPACK help nope

# 7. A 2-D .npy: the shape as numpy prints it, and what is expected.
npy_shape()
{
	npy_file "$TMP/$1" "{'descr': '<i8', 'fortran_order': False, 'shape': $2, }"
	echo "$TMP/$1"
}
f=$(npy_shape twod.npy '(3, 4)')
expect_fail "2-D npy" 1 "twod.npy: \.npy array has shape \(3, 4\), 2 dimensions; a 1-D array of lengths, shape \(N,\), is expected$" $P -c 4096 "$f"
f=$(npy_shape tight.npy '(3,4,5)')
expect_fail "3-D npy, no spaces" 1 "tight.npy: \.npy array has shape \(3, 4, 5\), 3 dimensions" $P -c 4096 "$f"
f=$(npy_shape scalar.npy '()')
expect_fail "0-D npy" 1 "scalar.npy: \.npy array has shape \(\), 0 dimensions" $P -c 4096 "$f"
f=$(npy_shape py2.npy '(3L, 4L)')
expect_fail "Python 2 longs" 1 "py2.npy: \.npy array has shape \(3, 4\), 2 dimensions" $P -c 4096 "$f"
f=$(npy_shape junk.npy '(3, x)')
expect_fail "malformed shape" 1 "junk.npy: malformed \.npy shape '\(3, x\)'" $P -c 4096 "$f"
expect_fail "npy to stream" 1 "twod.npy: \.npy arrays are not streamed" $SEQPACK stream -c 4096 "$TMP/twod.npy"

finish
