# Independent checker of a packing, sharing no code with libseqpack.
#   awk -v capacity=C [-v max_items=M] -f check-packing.awk LENGTHS ANSWER
# LENGTHS: whitespace-separated integers.  ANSWER: the one-line JSON of
# `seqpack pack`, or the JSON lines of `seqpack stream`.  Checks that every
# input index is in exactly one bin, each bin's "used" is the sum of its
# lengths and at most the capacity, no bin is empty or over max_items, and
# (pack) that the counts agree; prints the number of bins.

function die(msg) {
	print "check-packing: " msg > "/dev/stderr"
	bad = 1
	exit 1
}

function check_bin(list, used,    k, m, ids, sum, id) {
	if (list == "")
		die("bin " nbins " is empty")
	m = split(list, ids, ",")
	if (max_items > 0 && m > max_items)
		die("bin " nbins " holds " m " > " max_items " items")
	sum = 0
	for (k = 1; k <= m; k++) {
		id = ids[k]
		if (id !~ /^[0-9]+$/ || id + 0 >= n)
			die("bin " nbins ": bad index '" id "'")
		if ((id + 0) in seen)
			die("index " id " is in bins " seen[id + 0] " and " nbins)
		seen[id + 0] = nbins
		sum += len[id + 0]
	}
	if (sum != used + 0)
		die("bin " nbins ": used " used " but its lengths sum to " sum)
	if (sum > capacity + 0)
		die("bin " nbins ": " sum " tokens > capacity " capacity)
	nbins++
}

FILENAME == ARGV[1] {
	for (i = 1; i <= NF; i++)
		len[n++] = $i
	next
}

/^\{"pack":/ {
	stream = 1
	p = $0
	sub(/^\{"pack":/, "", p)
	if (p + 0 != nbins)
		die("pack " (p + 0) " arrives as pack number " nbins)
	ids = $0
	sub(/.*"ids":\[/, "", ids)
	sub(/\].*/, "", ids)
	u = $0
	sub(/.*"used":/, "", u)
	sub(/\}.*/, "", u)
	check_bin(ids, u)
	next
}

{ answer = answer $0 }

END {
	if (bad)
		exit 1
	if (!stream) {
		i = index(answer, "\"bins\":[")
		if (i == 0)
			die("no bins in the answer")
		s = substr(answer, i + 8)
		e = index(s, "],\"used\":[")
		if (e == 0)
			die("no used after the bins")
		bins = substr(s, 1, e - 1)
		us = substr(s, e + 10)
		us = substr(us, 1, index(us, "]") - 1)
		nu = split(us, used, ",")
		if (bins != "") {
			if (bins !~ /^\[/ || bins !~ /\]$/)
				die("malformed bins")
			bins = substr(bins, 2, length(bins) - 2)
			nb = split(bins, list, "\\],\\[")
		} else {
			nb = 0
		}
		if (nb != nu)
			die(nb " bins but " nu " used entries")
		for (b = 1; b <= nb; b++)
			check_bin(list[b], used[b])
		seq = answer
		sub(/.*"sequences":/, "", seq)
		sub(/,.*/, "", seq)
		if (seq + 0 != n)
			die("sequences " seq " but the input has " n)
		mb = answer
		sub(/.*"metrics":\{"bins":/, "", mb)
		sub(/,.*/, "", mb)
		if (mb + 0 != nbins)
			die("metrics.bins " mb " but " nbins " bins listed")
	}
	for (k = 0; k < n; k++)
		if (!(k in seen))
			die("index " k " is in no bin")
	if (bad)
		exit 1
	print nbins + 0
}
