#!/bin/bash
# seqpack stream: packs leave the moment they close, through a pipe that
# stays open; the union of the packs is a valid packing; offline
# algorithms are refused.
. "$(dirname "$0")/common.sh"

# 1. A pack is written before the input ends.  seqpack reads a FIFO we
# keep open and writes another FIFO we read: after "6" and "5" at capacity
# 10, Next Fit must close the pack holding 6 and we must be able to read
# it while our end of the input is still open.  The read timeout only
# turns a hang (a buffered writer) into a failure; it synchronises nothing.
mkfifo "$TMP/in" "$TMP/out.fifo"
"$SEQPACK" stream -a nf -c 10 <"$TMP/in" >"$TMP/out.fifo" 2>"$TMP/stream.err" &
pid=$!
exec 3>"$TMP/in"
exec 4<"$TMP/out.fifo"
printf '6\n5\n' >&3
if read -r -t 60 line <&4; then
	expect_eq "first pack while input open" '{"pack":0,"ids":[0],"used":6}' "$line"
else
	fail "no pack emitted while the input was open"
fi
printf '4\n{"length": 2}\n' >&3
if read -r -t 60 line <&4; then
	expect_eq "second pack while input open" '{"pack":1,"ids":[1,2],"used":9}' "$line"
else
	fail "no second pack emitted while the input was open"
fi
exec 3>&-
rest=$(cat <&4)
exec 4<&-
wait "$pid"
expect_eq "stream exit status" 0 "$?"
expect_eq "last pack flushed at end of input" '{"pack":2,"ids":[3],"used":2}' "$rest"
expect_eq "stream stderr" "" "$(cat "$TMP/stream.err")"

# 2. The union of the packs is a valid packing of the input, ids number
# the lengths, several per line or one per line alike.
random_lengths 5000 1000 11 >"$TMP/r.txt"
expect_ok "stream random" --stdin "$TMP/r.txt" "$SEQPACK" stream -a nf -c 1000
n=$(check_packing "$TMP/r.txt" "$TMP/out" 1000) && pass || fail "streamed packs are not a valid packing"
paste -d' ' - - - - - <"$TMP/r.txt" >"$TMP/r5.txt"
cp "$TMP/out" "$TMP/one-per-line"
expect_ok "stream 5 per line" "$SEQPACK" stream -a nf -c 1000 "$TMP/r5.txt"
cmp -s "$TMP/out" "$TMP/one-per-line" && pass || fail "5 lengths per line stream differently"
# Streaming Next Fit closes exactly the bins offline Next Fit makes.
expect_ok "pack nf" "$SEQPACK" pack -a nf -c 1000 "$TMP/r.txt"
expect_eq "stream vs pack bin count" "$(json_int bins "$TMP/out")" "$n"

# Every streaming algorithm: the packs form a valid packing, with the
# default and with a small bound on open packs.
expect_ok "algorithms" "$SEQPACK" algorithms --json
streaming=$(grep -o '"name":"[a-z0-9]*","title":"[^"]*","flags":\[[^]]*"streaming"' "$TMP/out" | sed 's/"name":"\([a-z0-9]*\)".*/\1/')
printf '%s\n' $streaming | grep -qx nf && pass || fail "nf not flagged streaming: $streaming"
for a in $streaming; do
	for open in 64 3; do
		expect_ok "stream $a max-open $open" --stdin "$TMP/r.txt" "$SEQPACK" stream -a "$a" -c 1000 --max-open "$open"
		check_packing "$TMP/r.txt" "$TMP/out" 1000 >/dev/null && pass || fail "stream $a --max-open $open: invalid packing"
	done
done

# 3. --max-items bounds each pack.
expect_ok "stream max-items" --stdin "$TMP/r.txt" "$SEQPACK" stream -a nf -c 1000 --max-items 2
check_packing "$TMP/r.txt" "$TMP/out" 1000 2 >/dev/null && pass || fail "stream --max-items 2 broken"

# 4. Empty input: no packs, success.
expect_ok "stream empty" "$SEQPACK" stream -a nf -c 10
expect_eq "stream empty output" "" "$(cat "$TMP/out")"

# 5. Bad input stops the stream: the packs already written stay, the
# error names the line, the status is 1.
printf '6\n5\nabc\n4\n' >"$TMP/bad.txt"
run --stdin "$TMP/bad.txt" "$SEQPACK" stream -a nf -c 10
expect_eq "stream bad input status" 1 "$rc"
expect_eq "stream bad input packs so far" '{"pack":0,"ids":[0],"used":6}' "$(cat "$TMP/out")"
grep -q "^seqpack: stream: <stdin>: line 3: 'abc' is not a non-negative integer$" "$TMP/err" && pass || fail "stream bad input message: $(cat "$TMP/err")"
printf '6\n11\n' >"$TMP/over.txt"
run --stdin "$TMP/over.txt" "$SEQPACK" stream -a nf -c 10
expect_eq "stream over capacity status" 1 "$rc"
grep -q "line 2: sequence 1 has length 11 > capacity 10" "$TMP/err" && pass || fail "stream over capacity message: $(cat "$TMP/err")"

# 6. Command-line errors.
expect_fail "stream missing capacity" 2 "stream: missing --capacity" "$SEQPACK" stream -a nf
expect_fail "stream unknown algorithm" 2 "unknown algorithm 'nosuch'" "$SEQPACK" stream -a nosuch -c 10
expect_fail "stream zero max-open" 2 "--max-open: '0' is out of range" "$SEQPACK" stream -a nf -c 10 --max-open 0

# 7. Offline algorithms refuse to stream.  obfd is always built; if it is
# missing this fails, as it should.
if "$SEQPACK" algorithms | grep -q '^obfd '; then
	pass
else
	fail "obfd is not loaded (SEQPACK_PLUGIN_PATH=$SEQPACK_PLUGIN_PATH)"
fi
expect_fail "offline refuses" 2 "algorithm 'obfd' is offline and cannot stream \(streaming algorithms: [a-z0-9, ]*nf" --stdin "$TMP/r.txt" "$SEQPACK" stream -a obfd -c 1000

finish
