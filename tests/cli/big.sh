#!/bin/bash
# seqpack pack on 100,000 random lengths: every loaded algorithm gives a
# valid packing (checked independently), obfd gives exactly bfd's bin
# count, nf never beats bfd.  nf, bfd and obfd are part of seqpack: if one
# is missing this test fails.
. "$(dirname "$0")/common.sh"

expect_ok "algorithms" "$SEQPACK" algorithms --json
algs=$(grep -o '"name":"[a-z0-9]*"' "$TMP/out" | sed 's/"name":"\(.*\)"/\1/')
for need in nf bfd obfd; do
	if printf '%s\n' $algs | grep -qx "$need"; then
		pass
	else
		fail "algorithm $need is not loaded (SEQPACK_PLUGIN_PATH=$SEQPACK_PLUGIN_PATH)"
	fi
done

# The example of issue 2, packed by the default algorithm (obfd), exactly.
expect_ok "issue example" "$SEQPACK" pack -c 1024 --no-timing "$DATA/small.txt"
expect_eq "issue example output" '{"algorithm":"obfd","capacity":1024,"sequences":8,"bins":[[0],[1,7],[2,4],[3,5,6]],"used":[1000,900,1000,1000],"metrics":{"bins":4,"total_tokens":3900,"efficiency":0.9521484375,"padding_tokens":196,"lower_bound":4,"max_items_per_bin":3,"mean_items_per_bin":2}}' "$(cat "$TMP/out")"

# Two shapes: lengths up to the capacity, and many short ones.
random_lengths 100000 2048 20240601 >"$TMP/wide.txt"
random_lengths 100000 600 777 >"$TMP/short.txt"
for shape in "wide 2048" "short 4096"; do
	set -- $shape
	file=$TMP/$1.txt cap=$2
	declare -A bins=()
	for a in $algs nf bfd obfd; do
		[ -n "${bins[$a]:-}" ] && continue
		expect_ok "$a $1" "$SEQPACK" pack -a "$a" -c "$cap" --threads 2 --no-timing "$file"
		if b=$(check_packing "$file" "$TMP/out" "$cap"); then
			pass
		else
			fail "$a $1: invalid packing"
		fi
		bins[$a]=${b:-x}
		echo "$1 capacity $cap: $a ${bins[$a]} bins"
	done
	expect_eq "obfd bins == bfd bins ($1)" "${bins[bfd]}" "${bins[obfd]}"
	if [ "${bins[nf]}" -ge "${bins[bfd]}" ] 2>/dev/null; then
		pass
	else
		fail "nf (${bins[nf]} bins) beat bfd (${bins[bfd]} bins) on $1"
	fi
	unset bins
done

# Parameters reach the plugins: ffs is deterministic for a seed and
# differs between seeds; obfdp is deterministic for a thread count.
random_lengths 20000 2048 5 >"$TMP/p.txt"
for run in a b; do
	expect_ok "ffs seed 1 ($run)" "$SEQPACK" pack -a ffs -c 2048 --seed 1 --no-timing "$TMP/p.txt"
	cp "$TMP/out" "$TMP/ffs1$run"
done
cmp -s "$TMP/ffs1a" "$TMP/ffs1b" && pass || fail "ffs --seed 1 differs between runs"
expect_ok "ffs seed 2" "$SEQPACK" pack -a ffs -c 2048 --seed 2 --no-timing "$TMP/p.txt"
if cmp -s "$TMP/out" "$TMP/ffs1a"; then fail "ffs ignores --seed"; else pass; fi
check_packing "$TMP/p.txt" "$TMP/out" 2048 >/dev/null && pass || fail "ffs seed 2 invalid packing"
for run in a b; do
	expect_ok "obfdp threads 2 ($run)" "$SEQPACK" pack -a obfdp -c 2048 --threads 2 --no-timing "$TMP/p.txt"
	cp "$TMP/out" "$TMP/obfdp$run"
done
cmp -s "$TMP/obfdpa" "$TMP/obfdpb" && pass || fail "obfdp --threads 2 differs between runs"

# The bundled example packs with the default algorithm.
expect_ok "example data" "$SEQPACK" pack -c 2048 "$abs_top_srcdir/data/example-lengths.txt"
check_packing "$abs_top_srcdir/data/example-lengths.txt" "$TMP/out" 2048 >/dev/null && pass || fail "example data packing invalid"

finish
