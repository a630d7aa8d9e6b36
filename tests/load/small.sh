#!/bin/bash
# seqpack-load in make check: a small run (4 clients x 20 requests, every
# algorithm, mixed sizes) against a seqpackd started here on a temporary
# socket with the build tree's plugins, every answer checked against
# in-process packing; then the tool must notice wrong answers (an
# in-process "nf" that packs differently, tests/dup) and refuse bad
# usage.  No sleeps: the tool's --wait retries its connect until the
# daemon answers, and gives up at once if the daemon's pid is gone.

. "$(cd "$(dirname "$0")" && pwd)/../cli/common.sh"

LOAD=$abs_top_builddir/tools/load/seqpack-load
SEQPACKD=${SEQPACKD:-$abs_top_builddir/daemon/seqpackd}
[ -x "$LOAD" ] || { echo "FAIL: $LOAD not built" >&2; exit 99; }

# The libtool wrapper execs the daemon, so $! is the daemon's pid.
"$SEQPACKD" --socket="$TMP/sock" --socket-group= --config=/dev/null \
	--threads=2 2>"$TMP/daemon.log" &
dpid=$!
trap 'kill "$dpid" 2>/dev/null; rm -rf "$TMP"' EXIT

# jint NAME: the first "NAME":N of $TMP/out (the top level's come
# before the per-algorithm ones)
jint()
{
	grep -o "\"$1\":[0-9]*" "$TMP/out" | head -n 1 | cut -d: -f2
}

# The small run.
run "$LOAD" --socket "$TMP/sock" --daemon-pid "$dpid" --wait 60 \
	--clients 4 --requests 20 --seed 7 --json
if [ "$rc" -ne 0 ]; then
	fail "small run: exit $rc: $(cat "$TMP/err")"
else
	pass
fi
expect_eq "requests" 80 "$(jint requests)"
expect_eq "ok" 80 "$(jint ok)"
expect_eq "mismatches" 0 "$(jint mismatches)"
expect_eq "errors" 0 "$(jint errors)"
expect_eq "failed clients" 0 "$(jint failed_clients)"
expect_eq "sampled pid" "$dpid" "$(jint pid)"
# every algorithm took part: one entry per plugin of the build tree
nplugins=$(ls "$abs_top_builddir"/plugins/*.la | wc -l)
nalg=$(grep -o '"name":"[a-z0-9]*","requests":[1-9]' "$TMP/out" | wc -l)
expect_eq "algorithms" "$nplugins" "$nalg"
# the four clients were connected when the run started: four fds at least
fds=$(jint fds)
if [ "${fds:-0}" -ge 4 ]; then pass; else fail "daemon fds at start: '$fds'"; fi
rss=$(jint rss_kb)
if [ "${rss:-0}" -gt 0 ]; then pass; else fail "daemon RSS: '$rss'"; fi

# Wrong answers are caught: in-process "nf" is tests/dup's, one sequence
# a bin, which the daemon's real nf does not do with lengths of at most
# 301 (data/example-lengths.txt) in bins of 4096.
run "$LOAD" --socket "$TMP/sock" --daemon-pid "$dpid" --clients 2 \
	--requests 3 --sizes 50..200 --algorithms nf \
	--lengths-file "$abs_top_srcdir/data/example-lengths.txt" \
	--plugin-path "$abs_top_builddir/tests/dup"
expect_eq "mismatch run: exit" 1 "$rc"
if grep -q '^requests    6: 0 ok, 6 mismatches, 0 errors' "$TMP/out"; then
	pass
else
	fail "mismatch run: $(head -3 "$TMP/out")"
fi
if grep -q 'client 0, request 0 (nf, .* lengths, seed .*): differs: ' "$TMP/err"; then
	pass
else
	fail "mismatch run: no message naming the request: $(cat "$TMP/err")"
fi

# Bad usage is refused with one message naming the option.
expect_fail "unknown algorithm" 2 "--algorithms: the daemon serves no 'nosuch'" \
	"$LOAD" --socket "$TMP/sock" --algorithms nosuch
expect_fail "sizes reversed" 2 "--sizes: MIN 5 is above MAX 2" \
	"$LOAD" --socket "$TMP/sock" --sizes 5..2

# The daemon is still healthy and stops cleanly.
kill -TERM "$dpid"
wait "$dpid"
expect_eq "daemon exit status" 0 "$?"
dpid=
grep -q 'stopped' "$TMP/daemon.log" && pass || fail "daemon log: $(tail -3 "$TMP/daemon.log")"

finish
