#!/bin/bash
# seqpack pack: outputs on hand-checked inputs in every input format.
# Uses nf only, so it does not depend on which other plugins exist.
. "$(dirname "$0")/common.sh"

NF_SMALL='{"algorithm":"nf","capacity":1024,"sequences":8,"bins":[[0],[1],[2],[3,4],[5,6,7]],"used":[1000,800,700,900,500],"metrics":{"bins":5,"total_tokens":3900,"efficiency":0.76171875,"padding_tokens":1220,"lower_bound":4,"max_items_per_bin":3,"mean_items_per_bin":1.6}}'

# The same eight lengths as text, a JSON array and JSON Lines (with
# "length" fields and "input_ids" arrays) give the same answer.
for f in small.txt small.json small.jsonl; do
	expect_ok "nf $f" "$SEQPACK" pack -a nf -c 1024 --no-timing "$DATA/$f"
	expect_eq "nf $f output" "$NF_SMALL" "$(cat "$TMP/out")"
done

# Standard input, absent or "-", reads the same.
expect_ok "stdin" --stdin "$DATA/small.txt" "$SEQPACK" pack -a nf -c 1024 --no-timing
expect_eq "stdin output" "$NF_SMALL" "$(cat "$TMP/out")"
expect_ok "stdin -" --stdin "$DATA/small.json" "$SEQPACK" pack -a nf -c 1024 --no-timing -
expect_eq "stdin - output" "$NF_SMALL" "$(cat "$TMP/out")"

# Whitespace of every kind separates integers; many per line is fine.
printf '1000 800\t700\r\n600\n\n  300 250 150\n100' >"$TMP/ws.txt"
expect_ok "mixed whitespace" "$SEQPACK" pack -a nf -c 1024 --no-timing "$TMP/ws.txt"
expect_eq "mixed whitespace output" "$NF_SMALL" "$(cat "$TMP/out")"

# .npy arrays of several integer types.  npy DESCR VALUE... writes a
# version 1.0 file by hand (no numpy needed).
npy()
{
	local descr=$1 size=${1:2} out=$TMP/$1.npy
	shift
	npy_file "$out" "{'descr': '$descr', 'fortran_order': False, 'shape': ($#,), }"
	{
		local v i
		for v in "$@"; do
			for ((i = 0; i < size; i++)); do
				if [ "${descr:0:1}" = '>' ]; then
					printf "\\$(printf %03o $(( (v >> (8 * (size - 1 - i))) & 255 )))"
				else
					printf "\\$(printf %03o $(( (v >> (8 * i)) & 255 )))"
				fi
			done
		done
	} >>"$out"
	echo "$out"
}
for descr in '<i4' '<i8' '<u2' '<u4' '<u8' '>i4'; do
	f=$(npy "$descr" 1000 800 700 600 300 250 150 100)
	expect_ok "npy $descr" "$SEQPACK" pack -a nf -c 1024 --no-timing "$f"
	expect_eq "npy $descr output" "$NF_SMALL" "$(cat "$TMP/out")"
done
f=$(npy '<i4' 5 -3 7)
expect_fail "npy negative" 1 "element 1: '-3' is negative" "$SEQPACK" pack -a nf -c 10 "$f"
f=$(npy '<i8' 5 4294967296)
expect_fail "npy too large" 1 "element 1: '4294967296' is larger than 4294967295" "$SEQPACK" pack -a nf -c 10 "$f"
f=$(npy '<u2' 5 11)
expect_fail "npy over capacity" 1 "element 1: sequence 1 has length 11 > capacity 10" "$SEQPACK" pack -a nf -c 10 "$f"
f=$(npy '<f8' 5 11)
expect_fail "npy float" 1 "dtype '<f8' is not an integer type" "$SEQPACK" pack -a nf -c 10 "$f"
head -c 140 "$(npy '<i4' 1 2 3 4 5 6 7 8)" >"$TMP/trunc.npy"
expect_fail "npy truncated" 1 "npy data holds .* needs" "$SEQPACK" pack -a nf -c 10 "$TMP/trunc.npy"

# Empty input is valid: zero bins.
EMPTY='{"algorithm":"nf","capacity":10,"sequences":0,"bins":[],"used":[],"metrics":{"bins":0,"total_tokens":0,"efficiency":1,"padding_tokens":0,"lower_bound":0,"max_items_per_bin":0,"mean_items_per_bin":0}}'
: >"$TMP/empty.txt"
printf ' \n\n\t\n' >"$TMP/blank.txt"
printf ' [ ]\n' >"$TMP/empty.json"
for f in empty.txt blank.txt empty.json; do
	expect_ok "empty $f" "$SEQPACK" pack -a nf -c 10 --no-timing "$TMP/$f"
	expect_eq "empty $f output" "$EMPTY" "$(cat "$TMP/out")"
done
expect_ok "empty stdin" "$SEQPACK" pack -a nf -c 10 --no-timing
expect_eq "empty stdin output" "$EMPTY" "$(cat "$TMP/out")"

# Timing is on by default and is the only thing that differs between runs.
expect_ok "timing" "$SEQPACK" pack -a nf -c 1024 "$DATA/small.txt"
if grep -q '"elapsed_ns":[0-9][0-9]*}}$' "$TMP/out"; then pass; else fail "no elapsed_ns: $(cat "$TMP/out")"; fi
sed 's/,"elapsed_ns":[0-9]*//' "$TMP/out" >"$TMP/untimed"
expect_eq "timing removed" "$NF_SMALL" "$(cat "$TMP/untimed")"

# Lengths equal to the capacity, long options with '=', --no-verify.
printf '7 7 7\n' >"$TMP/full.txt"
expect_ok "full bins" "$SEQPACK" pack --algorithm=nf --capacity=7 --no-verify --no-timing "$TMP/full.txt"
expect_eq "full bins output" '{"algorithm":"nf","capacity":7,"sequences":3,"bins":[[0],[1],[2]],"used":[7,7,7],"metrics":{"bins":3,"total_tokens":21,"efficiency":1,"padding_tokens":0,"lower_bound":3,"max_items_per_bin":1,"mean_items_per_bin":1}}' "$(cat "$TMP/out")"

# --max-items caps the sequences per bin.
random_lengths 2000 50 7 >"$TMP/tiny.txt"
expect_ok "max-items" "$SEQPACK" pack -a nf -c 1000 --max-items 3 "$TMP/tiny.txt"
bins=$(check_packing "$TMP/tiny.txt" "$TMP/out" 1000 3) && pass || fail "max-items packing invalid"
[ "${bins:-0}" -ge 667 ] && pass || fail "max-items 3 over 2000 items gave $bins bins"

# Text output: a summary, then one line per bin.
expect_ok "text" "$SEQPACK" pack -a nf -c 1024 -o text --no-timing "$DATA/small.txt"
expect_eq "text bins" "bin 0: used 1000, 1 item: 0
bin 1: used 800, 1 item: 1
bin 2: used 700, 1 item: 2
bin 3: used 900, 2 items: 3 4
bin 4: used 500, 3 items: 5 6 7" "$(grep '^bin ' "$TMP/out")"
grep -q '^bins: *5 (lower bound 4)$' "$TMP/out" && pass || fail "text summary: $(cat "$TMP/out")"
grep -q '^efficiency: *76.1719%$' "$TMP/out" && pass || fail "text efficiency: $(cat "$TMP/out")"
if grep -q elapsed "$TMP/out"; then fail "text --no-timing shows elapsed"; else pass; fi

# A larger input: the packing is valid and the run is deterministic.
random_lengths 20000 4096 42 >"$TMP/r.txt"
expect_ok "random nf" "$SEQPACK" pack -a nf -c 4096 --no-timing "$TMP/r.txt"
cp "$TMP/out" "$TMP/r1.json"
bins=$(check_packing "$TMP/r.txt" "$TMP/r1.json" 4096) && pass || fail "random nf packing invalid"
expect_ok "random nf again" "$SEQPACK" pack -a nf -c 4096 --no-timing "$TMP/r.txt"
cmp -s "$TMP/out" "$TMP/r1.json" && pass || fail "two runs differ"
# ... and the same lengths as a JSON array give the same answer.
{ printf '['; paste -sd, "$TMP/r.txt"; printf ']'; } >"$TMP/r.json"
expect_ok "random nf json" "$SEQPACK" pack -a nf -c 4096 --no-timing "$TMP/r.json"
cmp -s "$TMP/out" "$TMP/r1.json" && pass || fail "JSON array input differs from text"

finish
