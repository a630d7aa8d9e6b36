# Sourced by the debian/tests scripts: scratch directory, assertions and a
# seqpackd started by hand.  Binaries are overridable so the scripts can be
# pointed at another installation.
set -eu

SEQPACK=${SEQPACK:-/usr/bin/seqpack}
SEQPACKD=${SEQPACKD:-/usr/sbin/seqpackd}
CHECK_PACKING=${CHECK_PACKING:-$PWD/tests/cli/check-packing.awk}
TMP=${AUTOPKGTEST_TMP:-$(mktemp -d)}
# The installed system only: no plugin from anywhere else.
unset SEQPACK_PLUGIN_PATH

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

# Names of the plugins libseqpack0 ships, one a line, sorted.
shipped_plugins() {
	dpkg -L libseqpack0 | sed -n 's|.*/seqpack/plugins/\([a-z0-9]*\)\.so$|\1|p' | sort
}

# Names in the JSON of `seqpack algorithms --json`, sorted.
json_names() {
	grep -o '"name":"[a-z0-9]*"' | cut -d'"' -f4 | sort
}

# A deterministic test input: 500 lengths in 1 .. 4096.
make_lengths() {
	awk 'BEGIN { x = 12345; for (i = 0; i < 500; i++) {
		x = (x * 1103515245 + 12345) % 2147483648
		print 1 + int(x / 65536) % 4096 } }' >"$1"
}

# check_packing CAPACITY LENGTHS ANSWER: independent check of a packing.
check_packing() {
	[ -r "$CHECK_PACKING" ] || fail "no checker at $CHECK_PACKING"
	awk -v capacity="$1" -f "$CHECK_PACKING" "$2" "$3" >/dev/null ||
		fail "bad packing in $3"
}

# The algorithms the daemon at $SOCK serves (its LIST reply), sorted.
remote_names() {
	"$SEQPACK" algorithms --socket "$SOCK" --json | json_names
}

daemon_pid=
# daemon_stop [STATUS]: stop seqpackd; its log is shown when STATUS (the
# test's exit status) says the test failed.
daemon_stop() {
	if [ -n "$daemon_pid" ]; then
		kill -TERM "$daemon_pid" 2>/dev/null || true
		wait "$daemon_pid" 2>/dev/null || true
		daemon_pid=
		if [ "${1:-0}" != 0 ]; then
			echo "--- seqpackd log" >&2
			cat "$TMP/seqpackd.log" >&2 || true
		fi
	fi
}
trap 'daemon_stop $?' EXIT

# daemon_start: seqpackd on $TMP/seqpackd.sock with the default settings
# but no config file and no group change; returns once it has logged that
# it is ready (read from a pipe: no sleeping, no polling).
daemon_start() {
	SOCK=$TMP/seqpackd.sock
	rm -f "$TMP/seqpackd.fifo" "$SOCK"
	mkfifo "$TMP/seqpackd.fifo"
	"$SEQPACKD" --config=/dev/null --socket="$SOCK" --socket-group= \
		--threads=2 2>"$TMP/seqpackd.fifo" &
	daemon_pid=$!
	exec 3<"$TMP/seqpackd.fifo"
	: >"$TMP/seqpackd.log"
	while IFS= read -r line <&3; do
		echo "$line" >>"$TMP/seqpackd.log"
		case $line in
		*" ready"*) break ;;
		esac
	done
	[ -S "$SOCK" ] || { cat "$TMP/seqpackd.log" >&2; fail "seqpackd did not start"; }
	# Keep draining its log so it never blocks on a full pipe.
	cat <&3 >>"$TMP/seqpackd.log" &
	exec 3<&-
}
