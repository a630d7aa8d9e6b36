#!/bin/bash
# Every bad input of issue 2 point 6: exit status, one clear line on
# stderr naming what and where, nothing on stdout.
. "$(dirname "$0")/common.sh"

P="$SEQPACK pack -a nf"
put() { printf "$2" >"$TMP/$1"; echo "$TMP/$1"; }

# Plain text.
f=$(put abc.txt '10\n20\nabc\n30\n')
expect_fail "non-numeric" 1 "abc.txt: line 3: 'abc' is not a non-negative integer" $P -c 100 "$f"
f=$(put mixed.txt '10 20x\n')
expect_fail "digits then letters" 1 "line 1: '20x' is not a non-negative integer" $P -c 100 "$f"
f=$(put float.txt '10\n2.5\n')
expect_fail "decimal" 1 "line 2: '2.5' is not a non-negative integer" $P -c 100 "$f"
f=$(put plus.txt '+5\n')
expect_fail "plus sign" 1 "line 1: '\+5' is not a non-negative integer" $P -c 100 "$f"
f=$(put neg.txt '10\n\n-5\n')
expect_fail "negative" 1 "line 3: '-5' is negative" $P -c 100 "$f"
f=$(put big.txt '1 4294967296\n')
expect_fail "2^32" 1 "line 1: '4294967296' is larger than 4294967295" $P -c 100 "$f"
f=$(put huge.txt '1\n99999999999999999999999999\n')
expect_fail "beyond 2^64" 1 "line 2: '99999999999999999999999999' is larger than 4294967295" $P -c 100 "$f"
f=$(put over.txt '10\n20\n30 101\n')
expect_fail "over capacity" 1 "line 3: sequence 3 has length 101 > capacity 100" $P -c 100 "$f"
f=$(put max.txt '4294967295\n')
expect_fail "2^32-1 over capacity" 1 "line 1: sequence 0 has length 4294967295 > capacity 100" $P -c 100 "$f"
f=$(put zero.txt '10\n0\n')
expect_fail "zero length" 1 "line 2: sequence 1 has length 0; empty sequences are refused because they carry no tokens" $P -c 100 "$f"
f=$(put binary.txt '10 \001\377\n')
expect_fail "binary garbage" 1 "binary.txt: looks like a binary file \(byte 0x01 at offset 3\)" $P -c 100 "$f"
f=$(put high.txt '10 \377\376\n')
expect_fail "non-ASCII bytes escaped" 1 "line 1: '\\\\xff\\\\xfe' is not a non-negative integer" $P -c 100 "$f"
expect_fail "stdin named" 1 "<stdin>: line 3: 'abc'" --stdin "$TMP/abc.txt" $P -c 100

# JSON arrays.
f=$(put str.json '[10, "20"]')
expect_fail "json string" 1 "element 1: '\"20\"' is not a non-negative integer" $P -c 100 "$f"
f=$(put real.json '[10, 2.5]')
expect_fail "json real" 1 "element 1: '2.5' is not a non-negative integer" $P -c 100 "$f"
f=$(put null.json '[10, null]')
expect_fail "json null" 1 "element 1: 'null' is not a non-negative integer" $P -c 100 "$f"
f=$(put nneg.json '[10, 20, -3]')
expect_fail "json negative" 1 "element 2: '-3' is negative" $P -c 100 "$f"
f=$(put nbig.json '[4294967296]')
expect_fail "json 2^32" 1 "element 0: '4294967296' is larger than 4294967295" $P -c 100 "$f"
f=$(put nover.json '[10, 200]')
expect_fail "json over capacity" 1 "element 1: sequence 1 has length 200 > capacity 100" $P -c 100 "$f"
f=$(put nzero.json '[0]')
expect_fail "json zero" 1 "element 0: sequence 0 has length 0; empty sequences are refused" $P -c 100 "$f"
f=$(put trailing.json '[1, 2,]')
expect_fail "json trailing comma" 1 "trailing.json: line 1, column 7: malformed JSON" $P -c 100 "$f"
f=$(put open.json '[1, 2,\n 3')
expect_fail "json unterminated" 1 "open.json: line 2, column 3: malformed JSON: unexpected end" $P -c 100 "$f"
f=$(put after.json '[1, 2]\n[3]\n')
expect_fail "json data after" 1 "after.json: line 2, column 1: malformed JSON" $P -c 100 "$f"
f=$(put nested.json '[1, [2]]')
expect_fail "json nested" 1 "element 1: '\[2\]' is not a non-negative integer" $P -c 100 "$f"

# JSON Lines.
f=$(put nofield.jsonl '{"length": 5}\n{"tokens": 7}\n')
expect_fail "jsonl no field" 1 "line 2: object has neither a \"length\" nor an \"input_ids\" field" $P -c 100 "$f"
f=$(put badlen.jsonl '{"length": 5}\n\n{"length": "7"}\n')
expect_fail "jsonl string length" 1 "line 3: '\"7\"' is not a non-negative integer" $P -c 100 "$f"
f=$(put longids.jsonl '{"length": 2}\n{"input_ids": [1,2,3,4]}\n')
expect_fail "jsonl input_ids over capacity" 1 "line 2: sequence 1 has length 4 > capacity 3" $P -c 3 "$f"
f=$(put emptyids.jsonl '{"input_ids": []}\n')
expect_fail "jsonl empty input_ids" 1 "line 1: sequence 0 has length 0" $P -c 3 "$f"
f=$(put broken.jsonl '{"length": 5}\n{"length": 6\n')
expect_fail "jsonl malformed" 1 "broken.jsonl: line 2, column 13: malformed JSON" $P -c 100 "$f"
f=$(put array.jsonl '{"length": 5}\n[6]\n')
expect_fail "jsonl not an object" 1 "line 2: .*malformed JSON|line 2: expected a JSON object" $P -c 100 "$f"

# .npy headers: the dtype's item size and the shape are read as the
# digits they are, never wrapped or skipped over (sscanf's %u read
# '<u4294967300' as '<u4').  npy_bad NAME DESCR SHAPE DATA writes a file
# with that header and the printf DATA.
npy_bad()
{
	npy_file "$TMP/$1" "{'descr': '$2', 'fortran_order': False, 'shape': $3, }"
	printf "$4" >>"$TMP/$1"
	echo "$TMP/$1"
}
five='\005\000\000\000'
f=$(npy_bad wrap.npy '<u4294967300' '(1,)' "$five")
expect_fail "npy dtype size wraps" 1 "wrap.npy: \.npy dtype '<u4294967300' is not an integer type" $P -c 100 "$f"
f=$(npy_bad sign.npy '<u+4' '(1,)' "$five")
expect_fail "npy dtype size signed" 1 "sign.npy: \.npy dtype '<u\+4' is not an integer type" $P -c 100 "$f"
f=$(npy_bad space.npy '<u 4' '(1,)' "$five")
expect_fail "npy dtype size spaced" 1 "space.npy: \.npy dtype '<u 4' is not an integer type" $P -c 100 "$f"
f=$(npy_bad tail.npy '<u4x' '(1,)' "$five")
expect_fail "npy dtype size trailing" 1 "tail.npy: \.npy dtype '<u4x' is not an integer type" $P -c 100 "$f"
f=$(npy_bad zero4.npy '<u04' '(1,)' "$five")
expect_fail "npy dtype size leading zero" 1 "zero4.npy: \.npy dtype '<u04' is not an integer type" $P -c 100 "$f"
f=$(npy_bad three.npy '<u3' '(1,)' '\005\000\000')
expect_fail "npy dtype size 3" 1 "three.npy: \.npy dtype '<u3' is not an integer type" $P -c 100 "$f"
f=$(npy_bad huge.npy '<u4' '(99999999999999999999,)' "$five")
expect_fail "npy shape beyond 2^64" 1 "huge.npy: \.npy shape \(99999999999999999999,\) is larger than 2\^64-1 elements" $P -c 100 "$f"
f=$(npy_bad twod.npy '<u4' '(1, 1)' "$five")
expect_fail "npy 2-D" 1 "twod.npy: \.npy array has shape \(1, 1\), 2 dimensions; a 1-D array of lengths, shape \(N,\), is expected$" $P -c 100 "$f"
f=$(npy_bad wrapn.npy '<u4' '(4611686018427387905,)' "$five")
expect_fail "npy shape times size wraps" 1 "wrapn.npy: \.npy data holds 4 bytes, shape \(4611686018427387905,\) of 4-byte integers needs more than 18446744073709551615\$" $P -c 100 "$f"

# Capacity.
f=$(put ok.txt '10 20\n')
expect_fail "missing capacity" 2 "missing --capacity" $P "$f"
expect_fail "zero capacity" 2 "--capacity: '0' is out of range \(1 to 2147483647\)" $P -c 0 "$f"
expect_fail "capacity 2^31" 2 "--capacity: '2147483648' is out of range" $P -c 2147483648 "$f"
expect_fail "negative capacity" 2 "--capacity: '-5' is not a non-negative integer" $P --capacity=-5 "$f"
expect_fail "text capacity" 2 "--capacity: 'lots' is not a non-negative integer" $P -c lots "$f"
expect_fail "capacity without value" 2 "missing value for option '--capacity'" $P "$f" --capacity

# Algorithm, options, files.
expect_fail "unknown algorithm" 2 "unknown algorithm 'nosuch' \(available: [a-z0-9, ]*nf" $SEQPACK pack -a nosuch -c 100 "$f"
expect_fail "unknown option" 2 "pack: unknown option '--frobnicate'" $P -c 100 --frobnicate "$f"
expect_fail "bad output format" 2 "--output: 'xml' is not json, text, jsonl, npz, npz:FILE or npy:DIR" $P -c 100 -o xml "$f"
expect_fail "bad seed" 2 "--seed: 'x' is not a non-negative integer" $P -c 100 --seed x "$f"
expect_fail "zero k" 2 "--k: '0' is out of range" $P -c 100 --k 0 "$f"
expect_fail "stdin twice" 2 "standard input \('-'\) given more than once" $P -c 100 - "$f" -
expect_fail "missing file" 3 "cannot open $TMP/nope.txt: No such file or directory" $P -c 100 "$TMP/nope.txt"
expect_fail "directory" 3 "$TMP: read error: Is a directory" $P -c 100 "$TMP"
if [ "$(id -u)" -ne 0 ]; then
	f=$(put secret.txt '10\n')
	chmod 000 "$f"
	expect_fail "unreadable file" 3 "cannot open $f: Permission denied" $P -c 100 "$f"
fi
if [ -w /dev/full ]; then
	expect_fail "full disk" 3 "write error: No space left on device" bash -c '"$@" >/dev/full' sh $P -c 100 "$TMP/ok.txt"
fi
# A plugin that fails, or lies (caught by the verifier): status 4 and
# nothing on stdout.  These test plugins are built by `make check`.
TP="$abs_top_builddir/tests/plugins:$SEQPACK_PLUGIN_PATH"
SEQPACK_PLUGIN_PATH=$TP expect_fail "plugin lies" 4 "plugin liar gave a wrong packing" \
	"$SEQPACK" pack -a liar -c 100 "$TMP/ok.txt"
SEQPACK_PLUGIN_PATH=$TP expect_fail "plugin fails" 4 "failer" \
	"$SEQPACK" pack -a failer -c 100 "$TMP/ok.txt"

expect_fail "unknown command" 2 "unknown command 'pak'" $SEQPACK pak
expect_fail "no command" 2 "missing command" $SEQPACK

finish
