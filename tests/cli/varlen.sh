#!/bin/bash
# seqpack pack --output jsonl/npz/npy and --emit: golden JSON lines, the
# lines against the JSON output and seqpack stream's, cu_seqlens and
# position_ids recomputed here, the .npy files and the .npz archive
# byte for byte against files built here from the JSON output (CRC-32
# from gzip's trailer, an independent implementation), the .npy read
# back by the tool's own reader, the refusals and that a failed write
# leaves the previous files.  With Debian's python3-numpy, numpy.load
# must also read both; that check is in addition to all of the above.
. "$(dirname "$0")/common.sh"

P="$SEQPACK pack --no-timing"

# The JSON output's integer arrays as words: "bins" flattened, "used",
# and the bins' start offsets.
json_items()
{
	sed -e 's/.*"bins":\[\(.*\)\],"used".*/\1/' -e 's/[][]/ /g' -e 's/,/ /g' "$1"
}
json_used()
{
	sed -e 's/.*"used":\[\([0-9,]*\)\].*/\1/' -e 's/,/ /g' "$1"
}
json_offsets()
{
	sed -e 's/.*"bins":\[\(.*\)\],"used".*/\1/' -e 's/\],\[/\n/g' \
		-e 's/[][]//g' "$1" |
		awk 'BEGIN { o = 0; printf "0" }
		     NF || length($0) { o += split($0, a, ","); printf " %d", o }
		     END { print "" }'
}

# le N BYTES: N as BYTES little-endian bytes, as printf octal escapes.
le()
{
	local v=$1 i
	for ((i = 0; i < $2; i++)); do
		printf '\\%03o' $(( (v >> (8 * i)) & 255 ))
	done
}

# u32_npy OUT VALUE...: the .npy file numpy.save writes for
# numpy.array([VALUE...], dtype='<u4').
u32_npy()
{
	local out=$1
	shift
	npy_file "$out" "{'descr': '<u4', 'fortran_order': False, 'shape': ($#,), }"
	[ $# -gt 0 ] || return 0
	printf "$(printf '%s\n' "$@" | awk '{
		v = $1
		for (k = 0; k < 4; k++) { printf "\\%03o", v % 256; v = int(v / 256) }
	}')" >>"$out"
}

# crc32 FILE: the CRC-32 of FILE, from gzip's trailer.
crc32()
{
	gzip -c <"$1" | tail -c 8 | od -An -tu4 -N4 | tr -d ' '
}

# zip_of OUT DIR: the stored zip of DIR/items.npy, offsets.npy, used.npy
# with the header fields the tool writes (version 1.0, no flags, stored,
# 1980-01-01 00:00, Unix 0644 in the central directory).
zip_of()
{
	local out=$1 dir=$2 name off=0 central="" crc size
	: >"$out"
	for name in items.npy offsets.npy used.npy; do
		crc=$(crc32 "$dir/$name")
		size=$(wc -c <"$dir/$name")
		local common
		common="$(le 10 2)$(le 0 2)$(le 0 2)$(le 0 2)$(le 33 2)$(le "$crc" 4)$(le "$size" 4)$(le "$size" 4)$(le ${#name} 2)"
		printf "$(le $((0x04034b50)) 4)$common$(le 0 2)%s" "$name" >>"$out"
		cat "$dir/$name" >>"$out"
		central="$central$(le $((0x02014b50)) 4)$(le $((3 << 8 | 20)) 2)$common$(le 0 2)$(le 0 2)$(le 0 2)$(le 0 2)$(le $((0100644 << 16)) 4)$(le $off 4)$name"
		off=$((off + 30 + ${#name} + size))
	done
	printf "$central" >>"$out"
	local clen=$(( $(wc -c <"$out") - off ))
	printf "$(le $((0x06054b50)) 4)$(le 0 2)$(le 0 2)$(le 3 2)$(le 3 2)$(le $clen 4)$(le $off 4)$(le 0 2)" >>"$out"
}

# --- JSON Lines -------------------------------------------------------

expect_ok "jsonl" $P -a nf -c 1024 -o jsonl "$DATA/small.txt"
expect_eq "jsonl lines" '{"pack":0,"ids":[0],"used":1000}
{"pack":1,"ids":[1],"used":800}
{"pack":2,"ids":[2],"used":700}
{"pack":3,"ids":[3,4],"used":900}
{"pack":4,"ids":[5,6,7],"used":500}' "$(cat "$TMP/out")"

printf '3 2 4 1\n' >"$TMP/tiny.txt"
expect_ok "jsonl emit" $P -a nf -c 5 -o jsonl --emit cu_seqlens,position_ids "$TMP/tiny.txt"
expect_eq "jsonl cu_seqlens and position_ids" '{"pack":0,"ids":[0,1],"used":5,"cu_seqlens":[0,3,5],"position_ids":[0,1,2,0,1]}
{"pack":1,"ids":[2,3],"used":5,"cu_seqlens":[0,4,5],"position_ids":[0,1,2,3,0]}' "$(cat "$TMP/out")"
# The order of --emit's items does not change the lines; repeats add.
expect_ok "jsonl emit twice" $P -a nf -c 5 -o jsonl --emit position_ids --emit cu_seqlens "$TMP/tiny.txt"
expect_eq "jsonl emit order" '{"pack":0,"ids":[0,1],"used":5,"cu_seqlens":[0,3,5],"position_ids":[0,1,2,0,1]}' "$(head -n 1 "$TMP/out")"

# The metrics line is the JSON output's metrics object.
expect_ok "json small" $P -a nf -c 1024 "$DATA/small.txt"
want=$(sed 's/.*"metrics":\({.*}\)}$/{"metrics":\1}/' "$TMP/out")
expect_ok "jsonl metrics" $P -a nf -c 1024 -o jsonl --emit metrics "$DATA/small.txt"
expect_eq "jsonl metrics line" "$want" "$(tail -n 1 "$TMP/out")"
expect_eq "jsonl metrics: packs then one line" 6 "$(wc -l <"$TMP/out")"

# On random lengths with obfd (decreasing order, so ids are shuffled):
# the lines hold the JSON output's bins and used, and cu_seqlens and
# position_ids agree with the lengths.
random_lengths 3000 4096 11 >"$TMP/r.txt"
expect_ok "json random" $P -c 4096 "$TMP/r.txt"
cp "$TMP/out" "$TMP/r.json"
expect_ok "jsonl random" $P -c 4096 -o jsonl --emit cu_seqlens,position_ids "$TMP/r.txt"
cp "$TMP/out" "$TMP/r.jsonl"
expect_eq "jsonl ids are the JSON bins" "$(json_items "$TMP/r.json" | tr -s ' \n' '  ' | sed 's/^ //; s/ $//')" \
	"$(sed 's/.*"ids":\[\([0-9,]*\)\].*/\1/' "$TMP/r.jsonl" | tr ',\n' '  ' | sed 's/ $//')"
expect_eq "jsonl used is the JSON used" "$(json_used "$TMP/r.json")" \
	"$(sed 's/.*"used":\([0-9]*\).*/\1/' "$TMP/r.jsonl" | tr '\n' ' ' | sed 's/ $//')"
bad=$(awk 'NR == FNR { len[NR - 1] = $1; next }
	{
		line = $0
		ids = line; sub(/.*"ids":\[/, "", ids); sub(/\].*/, "", ids)
		cu = line; sub(/.*"cu_seqlens":\[/, "", cu); sub(/\].*/, "", cu)
		pos = line; sub(/.*"position_ids":\[/, "", pos); sub(/\].*/, "", pos)
		used = line; sub(/.*"used":/, "", used); sub(/,.*/, "", used)
		n = split(ids, id, ","); split(cu, c, ","); np = split(pos, p, ",")
		if (c[1] != 0 || c[n + 1] != used || np != used + 0) { print FNR; next }
		k = 0
		for (i = 1; i <= n; i++) {
			if (c[i + 1] - c[i] != len[id[i]]) { print FNR; next }
			for (j = 0; j < len[id[i]]; j++)
				if (p[++k] != j) { print FNR; next }
		}
	}' "$TMP/r.txt" "$TMP/r.jsonl" | head -n 3)
expect_eq "cu_seqlens and position_ids from the lengths" "" "$bad"

# seqpack stream prints the same lines for the same packing (nf closes
# each pack when the next does not fit, in input order).
expect_ok "jsonl nf" $P -a nf -c 4096 -o jsonl "$TMP/r.txt"
cp "$TMP/out" "$TMP/nf.jsonl"
expect_ok "stream nf" "$SEQPACK" stream -a nf -c 4096 "$TMP/r.txt"
if cmp -s "$TMP/out" "$TMP/nf.jsonl"; then pass; else fail "pack -o jsonl differs from stream's lines"; fi

# --- .npy and .npz ------------------------------------------------------

mkdir "$TMP/want"
u32_npy "$TMP/want/items.npy" $(json_items "$TMP/r.json")
u32_npy "$TMP/want/offsets.npy" $(json_offsets "$TMP/r.json")
u32_npy "$TMP/want/used.npy" $(json_used "$TMP/r.json")

expect_ok "npy" $P -c 4096 -o "npy:$TMP/npy" "$TMP/r.txt"
expect_eq "npy: nothing on stdout" 0 "$(wc -c <"$TMP/out")"
for a in items offsets used; do
	if cmp "$TMP/want/$a.npy" "$TMP/npy/$a.npy" >"$TMP/cmp" 2>&1; then
		pass
	else
		fail "npy $a.npy: $(cat "$TMP/cmp")"
	fi
done
expect_eq "npy: only the three files" "items.npy offsets.npy used.npy" "$(ls "$TMP/npy" | tr '\n' ' ' | sed 's/ $//')"
# The data starts 64-byte aligned.
expect_eq "npy: header of 128 bytes" 128 $(( $(wc -c <"$TMP/npy/used.npy") - 4 * $(json_int bins "$TMP/r.json") ))

# The tool's own .npy reader takes used.npy back as lengths: as many as
# bins, summing to the tokens.
expect_ok "read used.npy back" $P -a nf -c 4096 "$TMP/npy/used.npy"
expect_eq "used.npy: sequences" "$(json_int bins "$TMP/r.json")" "$(json_int sequences "$TMP/out")"
expect_eq "used.npy: tokens" "$(json_int total_tokens "$TMP/r.json")" "$(json_int total_tokens "$TMP/out")"

zip_of "$TMP/want.npz" "$TMP/want"
expect_ok "npz:FILE" $P -c 4096 -o "npz:$TMP/a.npz" "$TMP/r.txt"
if cmp "$TMP/want.npz" "$TMP/a.npz" >"$TMP/cmp" 2>&1; then pass; else fail "npz: $(cat "$TMP/cmp")"; fi
expect_eq "npz:FILE: nothing on stdout" 0 "$(wc -c <"$TMP/out")"
expect_ok "npz to stdout" $P -c 4096 -o npz "$TMP/r.txt"
if cmp -s "$TMP/want.npz" "$TMP/out"; then pass; else fail "npz on stdout differs"; fi
expect_ok "npz:-" $P -c 4096 -o npz:- "$TMP/r.txt"
if cmp -s "$TMP/want.npz" "$TMP/out"; then pass; else fail "npz:- differs"; fi
if command -v unzip >/dev/null; then
	# Not needed for the checks above; a second reader when present.
	unzip -tq "$TMP/a.npz" >"$TMP/unzip" 2>&1 || fail "unzip -t: $(cat "$TMP/unzip")"
fi

# No sequences: empty items and used, offsets [0].
: >"$TMP/empty.txt"
rm -rf "$TMP/want" && mkdir "$TMP/want"
u32_npy "$TMP/want/items.npy"
u32_npy "$TMP/want/offsets.npy" 0
u32_npy "$TMP/want/used.npy"
zip_of "$TMP/want.npz" "$TMP/want"
expect_ok "npz empty" $P -c 10 -o "npz:$TMP/e.npz" "$TMP/empty.txt"
if cmp -s "$TMP/want.npz" "$TMP/e.npz"; then pass; else fail "npz of no sequences differs"; fi
expect_ok "jsonl empty" $P -c 10 -o jsonl "$TMP/empty.txt"
expect_eq "jsonl empty: no lines" 0 "$(wc -c <"$TMP/out")"

# --- refusals -------------------------------------------------------------

expect_fail "emit without jsonl" 2 "--emit needs --output jsonl" $P -c 10 --emit cu_seqlens "$TMP/tiny.txt"
expect_fail "emit unknown" 2 "--emit: 'cu_seqlen' is not cu_seqlens, position_ids or metrics" \
	$P -c 10 -o jsonl --emit position_ids,cu_seqlen "$TMP/tiny.txt"
expect_fail "emit empty item" 2 "--emit: '' is not" $P -c 10 -o jsonl --emit cu_seqlens, "$TMP/tiny.txt"
expect_fail "npy without DIR" 2 "--output npy: needs a DIR after the colon" $P -c 10 -o npy: "$TMP/tiny.txt"
expect_fail "npz without FILE" 2 "--output npz: needs a FILE after the colon" $P -c 10 -o npz: "$TMP/tiny.txt"
expect_fail "npy plain" 2 "--output: 'npy' is not json, text, jsonl, npz, npz:FILE or npy:DIR" $P -c 10 -o npy "$TMP/tiny.txt"
expect_fail "npz in a missing dir" 3 "$TMP/no/a.npz: cannot create: No such file or directory" \
	$P -c 10 -o "npz:$TMP/no/a.npz" "$TMP/tiny.txt"
expect_fail "npy in a missing dir" 3 "$TMP/no/d: cannot create the directory: No such file or directory" \
	$P -c 10 -o "npy:$TMP/no/d" "$TMP/tiny.txt"

# A terminal gets no binary archive (script(1) gives the tool one).
if command -v script >/dev/null; then
	script -qec "$SEQPACK pack -c 10 -o npz $TMP/tiny.txt" /dev/null >"$TMP/tty" 2>&1
	expect_eq "npz to a terminal: exit 2" 2 $?
	if grep -q "refusing to write a binary archive to a terminal" "$TMP/tty" &&
	   ! grep -q NUMPY "$TMP/tty"; then
		pass
	else
		fail "npz to a terminal: $(head -c 300 "$TMP/tty")"
	fi
fi

# A rename that fails (used.npy is a directory) leaves no temporary
# file behind.
mkdir -p "$TMP/keep/used.npy"
expect_fail "npy rename fails" 3 "used.npy: cannot rename .*used.npy.{7} to it: Is a directory" \
	$P -c 10 -o "npy:$TMP/keep" "$TMP/tiny.txt"
expect_eq "failed npy: no temporary left" "items.npy offsets.npy used.npy" "$(ls -A "$TMP/keep" | tr '\n' ' ' | sed 's/ $//')"
# A write error on standard output is an I/O error, said once.
if [ -w /dev/full ]; then
	"$SEQPACK" pack -c 10 -o npz "$TMP/tiny.txt" >/dev/full 2>"$TMP/err"
	expect_eq "npz to a full disk: exit 3" 3 $?
	expect_eq "npz to a full disk: message" "seqpack: pack: write error: No space left on device" "$(cat "$TMP/err")"
fi

# --- numpy, in addition, when Debian's python3-numpy is there ------------

if /usr/bin/python3 -c 'import numpy' 2>/dev/null; then
	/usr/bin/python3 - "$TMP" >"$TMP/py" 2>&1 <<'EOF'
import json, sys
import numpy as np
tmp = sys.argv[1]
j = json.load(open(tmp + "/r.json"))
items = [i for b in j["bins"] for i in b]
offsets = [0]
for b in j["bins"]:
    offsets.append(offsets[-1] + len(b))
want = {"items": items, "offsets": offsets, "used": j["used"]}
z = np.load(tmp + "/a.npz")
assert sorted(z.files) == ["items", "offsets", "used"], z.files
for k, v in want.items():
    for a in (z[k], np.load(tmp + "/npy/%s.npy" % k)):
        assert a.dtype == np.dtype("<u4") and a.ndim == 1, (k, a.dtype)
        assert a.tolist() == v, k
    # numpy.save of the same array gives the same bytes (numpy 1.x; later
    # ones may pad the header further, which every numpy reads).
    if not np.__version__.startswith("1."):
        continue
    np.save(tmp + "/np-" + k + ".npy", np.array(v, dtype="<u4"))
    assert open(tmp + "/np-" + k + ".npy", "rb").read() == \
        open(tmp + "/npy/%s.npy" % k, "rb").read(), k
print("ok")
EOF
	expect_eq "numpy reads the npz and npy files" ok "$(tail -n 1 "$TMP/py")"
fi

finish
