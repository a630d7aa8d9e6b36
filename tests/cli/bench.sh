#!/bin/bash
# seqpack bench: cells, JSON keys, clamping, and its errors.  No timing is
# asserted (speed belongs in benchmarks), only the figures that cannot
# vary: bins, lower bounds, cell count.
. "$(dirname "$0")/common.sh"

expect_ok "bench --json" "$SEQPACK" bench -q -a nf,obfd -c 1024,2048 -r 2 --json "$DATA/small.txt"
cells=$(grep -c '"algorithm"' "$TMP/out")
expect_eq "bench cells (2 algorithms x 2 capacities)" 4 "$cells"
for key in algorithm file n capacity bins lower_bound median_us floor_us ratio; do
	n=$(grep -c "\"$key\": " "$TMP/out")
	expect_eq "bench key $key in every cell" 4 "$n"
done
# The example of issue 2: obfd packs these 8 lengths into 4 bins at 1024.
grep -q '"algorithm": "obfd", "file": "small.txt", [^}]*"n": 8, "capacity": 1024, [^}]*"bins": 4, "lower_bound": 4' "$TMP/out" \
	&& pass || fail "obfd at 1024 is not 4 bins of lower bound 4: $(cat "$TMP/out")"

# Lengths are clamped to [1, C]: at C = 100 every one of the 8 is clamped
# to 100, so Next Fit needs exactly 8 bins.
expect_ok "bench text" "$SEQPACK" bench -q -a nf -c 100 -r 2 "$DATA/small.txt"
grep -q '^algorithm  *file  *n  *cap  *bins' "$TMP/out" && pass || fail "no table header: $(cat "$TMP/out")"
grep -Eq '^nf +small\.txt +8 +100 +8 +8 ' "$TMP/out" && pass || fail "clamped nf row: $(cat "$TMP/out")"

run "$SEQPACK" bench -q -a nosuch -c 1024 "$DATA/small.txt"
expect_eq "bench unknown algorithm status" 2 "$rc"
[ -s "$TMP/out" ] && fail "bench unknown algorithm printed on stdout" || pass
run "$SEQPACK" bench -q -a nf -c 1024 "$TMP/does-not-exist.txt"
expect_eq "bench unreadable file status" 3 "$rc"
grep -q 'does-not-exist.txt' "$TMP/err" && pass || fail "bench error does not name the file: $(cat "$TMP/err")"
run "$SEQPACK" bench -q -a nf -c 0 "$DATA/small.txt"
expect_eq "bench capacity 0 status" 2 "$rc"

finish
