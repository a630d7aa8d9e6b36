#!/bin/bash
# seqpack plan: a hand-checked plan, the shape of every plan (every bin in
# exactly one slot, W ranks x M packs per step, rank capacities kept),
# drop_last, the seeded order, and the command-line errors.
. "$(dirname "$0")/common.sh"

# nf at 1024 packs small.txt as [0] [1] [2] [3,4] [5,6,7]; W = 2 needs an
# even count, so pad splits the costliest pack that has two sequences,
# [3,4] (600^2 + 300^2), into [3] and a new bin 5 = [4].  By sum of squares
# the bins rank 0 1 | 2 3 | 4 5: those are the steps, in a seeded order.
GOLDEN='{"algorithm":"nf","capacity":1024,"sequences":8,"bins":[[0],[1],[2],[3],[5,6,7],[4]],"used":[1000,800,700,600,500,300],"metrics":{"bins":6,"total_tokens":3900,"efficiency":0.634765625,"padding_tokens":2244,"lower_bound":4,"max_items_per_bin":3,"mean_items_per_bin":1.3333333333333333},"steps":[[[5],[4]],[[1],[0]],[[2],[3]]],"plan":{"world_size":2,"packs_per_rank":1,"cost":"affine","cost_a":49152,"cost_b":1,"seed":1592614637,"epoch":0,"remainder":"pad","steps":3,"split":1,"empty":0,"dropped":[],"step_overhead":0.001624735962353574,"worst_step":1.0035189482067126,"worst_step_index":1,"mean_step":1.0016163826829503,"rank_cost":[152214944,152449944],"rank_time":[152214944,152449944],"rank_tokens":[1800,2100],"rank_packs":[3,3]}}'
expect_ok "golden" "$SEQPACK" plan -a nf -c 1024 -w 2 --no-timing "$DATA/small.txt"
expect_eq "golden output" "$GOLDEN" "$(cat "$TMP/out")"

# check_plan W M CAPS FILE: every step W ranks of M slots, every bin of
# the answer in exactly one slot or in plan.dropped, rank r's bins at most
# CAPS[r] tokens (CAPS comma-separated, empty = no limit); prints "ok".
check_plan()
{
	awk -v w="$1" -v m="$2" -v caps="$3" '
	function die(msg) { print "check-plan: " msg; bad = 1; exit 1 }
	{
		if (!match($0, /"used":\[[^]]*\]/)) die("no used")
		nb = split(substr($0, RSTART + 8, RLENGTH - 9), used, ",")
		if (!match($0, /"dropped":\[[^]]*\]/)) die("no dropped")
		nd = split(substr($0, RSTART + 11, RLENGTH - 12), dr, ",")
		for (i = 1; i <= nd; i++) seen[dr[i] + 0] = "dropped"
		nc = caps == "" ? 0 : split(caps, cap, ",")
		if (!match($0, /"steps":\[.*\],"plan"/)) die("no steps")
		s = substr($0, RSTART + 9, RLENGTH - 17)
		# s is [[b,..],..],[[..],..],...: walk it by depth.
		depth = 0; steps = 0; num = ""
		for (i = 1; i <= length(s); i++) {
			c = substr(s, i, 1)
			if (c == "[") {
				depth++
				if (depth == 1) { steps++; ranks = 0 }
				if (depth == 2) { ranks++; slots = 0 }
			} else if (c == "]" || c == ",") {
				if (num != "") {
					slots++
					b = num + 0
					if (b >= nb) die("bin " b " >= " nb)
					if (b in seen) die("bin " b " twice (" seen[b] ")")
					seen[b] = "step " steps
					r = ranks - 1
					if (nc && used[b + 1] > cap[r + 1])
						die("rank " r " got bin " b " of " used[b + 1] " tokens")
					num = ""
				}
				if (c == "]") {
					if (depth == 2 && slots != m) die("step " steps " rank " ranks ": " slots " slots")
					if (depth == 1 && ranks != w) die("step " steps ": " ranks " ranks")
					depth--
				}
			} else if (c ~ /[0-9]/) {
				num = num c
			} else if (c == "n") {
				die("an empty slot")
			}
		}
		for (b = 0; b < nb; b++)
			if (!(b in seen)) die("bin " b " in no slot")
		print "ok"
	}
	END { if (bad) exit 1 }' "$4"
}

random_lengths 3000 4096 17 >"$TMP/r.txt"
for wm in "1 1" "8 1" "8 4" "3 5"; do
	set -- $wm
	for cost in linear attention affine; do
		expect_ok "W=$1 M=$2 $cost" "$SEQPACK" plan -c 4096 -w "$1" \
			--packs-per-rank "$2" --cost "$cost" --no-timing "$TMP/r.txt"
		expect_eq "W=$1 M=$2 $cost plan" ok "$(check_plan "$1" "$2" "" "$TMP/out")"
		expect_eq "W=$1 M=$2 $cost packing" "$(json_int bins "$TMP/out")" \
			"$(check_packing "$TMP/r.txt" "$TMP/out" 4096)"
	done
done

# drop_last: as many packs left out as the remainder, none split.
expect_ok "drop-last" "$SEQPACK" plan -c 4096 -w 7 --drop-last --no-timing "$TMP/r.txt"
expect_eq "drop-last plan" ok "$(check_plan 7 1 "" "$TMP/out")"
nbins=$(json_int bins "$TMP/out")
dropped=$(sed -n 's/.*"dropped":\[\([0-9,]*\)\].*/\1/p' "$TMP/out" | tr ',' '\n' | grep -c .)
expect_eq "drop-last count" "$((nbins % 7))" "$dropped"
expect_eq "drop-last split" 0 "$(json_int split "$TMP/out")"

# Another epoch: the same figures, another order; the same epoch again:
# the same plan.
"$SEQPACK" plan -c 4096 -w 8 --packs-per-rank 2 --no-timing "$TMP/r.txt" >"$TMP/e0"
"$SEQPACK" plan -c 4096 -w 8 --packs-per-rank 2 --no-timing --epoch 0 "$TMP/r.txt" >"$TMP/e0b"
"$SEQPACK" plan -c 4096 -w 8 --packs-per-rank 2 --no-timing --epoch 1 "$TMP/r.txt" >"$TMP/e1"
cmp -s "$TMP/e0" "$TMP/e0b" && pass || fail "epoch 0 twice differs"
cmp -s "$TMP/e0" "$TMP/e1" && fail "epochs 0 and 1 give the same plan" || pass

# Rank capacities: no rank gets a pack above its capacity.
expect_ok "capacities" "$SEQPACK" plan -a nf -c 4096 -w 4 --packs-per-rank 2 \
	--rank-capacities 4k,3000,4096,3500 --no-timing "$TMP/r.txt"
expect_eq "capacities plan" ok "$(check_plan 4 2 4096,3000,4096,3500 "$TMP/out")"
expect_ok "speeds" "$SEQPACK" plan -c 4096 -w 2 --rank-speeds 2,1 -o text --no-timing "$TMP/r.txt"
grep -q '^overhead: ' "$TMP/out" && pass || fail "text output has no overhead line"

# With too few sequences pad refuses, --allow-empty gives null slots.
expect_fail "pad short" 2 'pad cannot reach a multiple' \
	"$SEQPACK" plan -a nf -c 1024 -w 16 "$DATA/small.txt"
expect_ok "allow-empty" "$SEQPACK" plan -a nf -c 1024 -w 16 --allow-empty --no-timing "$DATA/small.txt"
expect_eq "allow-empty slots" 8 "$(json_int empty "$TMP/out")"

# Bad command lines, each named.
f=$DATA/small.txt
expect_fail "no world size" 2 'missing --world-size' "$SEQPACK" plan -c 1024 "$f"
expect_fail "W=0" 2 "--world-size: '0' is out of range" "$SEQPACK" plan -c 1024 -w 0 "$f"
expect_fail "M=0" 2 "--packs-per-rank: '0' is out of range" "$SEQPACK" plan -c 1024 -w 2 --packs-per-rank 0 "$f"
expect_fail "cost" 2 "--cost: 'square' is not linear, attention or affine" "$SEQPACK" plan -c 1024 -w 2 --cost square "$f"
expect_fail "cost-a negative" 2 "--cost-a: '-1' is not a finite number" "$SEQPACK" plan -c 1024 -w 2 --cost-a -1 "$f"
expect_fail "cost-b nan" 2 "--cost-b: 'nan' is not a finite number" "$SEQPACK" plan -c 1024 -w 2 --cost-b nan "$f"
expect_fail "both 0" 2 'cost_a and cost_b are both 0' "$SEQPACK" plan -c 1024 -w 2 --cost-a 0 --cost-b 0 "$f"
expect_fail "capacity 0" 2 "--rank-capacities \\(rank 1\\): '0' is out of range" "$SEQPACK" plan -c 1024 -w 2 --rank-capacities 1024,0 "$f"
expect_fail "capacity big" 2 "--rank-capacities \\(rank 0\\): '2G' \\(= 2147483648\\) is out of range" "$SEQPACK" plan -c 1024 -w 2 --rank-capacities 2G,1024 "$f"
expect_fail "capacity count" 2 '--rank-capacities: 3 entries for --world-size 2' "$SEQPACK" plan -c 1024 -w 2 --rank-capacities 1,2,3 "$f"
expect_fail "capacity small" 2 'rank_capacities leave a pack of' "$SEQPACK" plan -a nf -c 1024 -w 2 --rank-capacities 100,1024 "$f"
expect_fail "speed 0" 2 "--rank-speeds \\(rank 0\\): '0' is not a finite number > 0" "$SEQPACK" plan -c 1024 -w 2 --rank-speeds 0,1 "$f"
expect_fail "empty input" 2 'the packing has no bins' "$SEQPACK" plan -c 1024 -w 2 /dev/null
expect_fail "drop-last all" 2 'drop_last would drop all 5 packs' "$SEQPACK" plan -a nf -c 1024 -w 8 --drop-last "$f"


# --save then --load prints the very same bytes (timing included: the
# file keeps elapsed_ns), as JSON and as text; a load takes no input or
# plan options, and a foreign or corrupt file is named.
expect_ok "save" "$SEQPACK" plan -c 4096 -w 3 --packs-per-rank 2 --drop-last \
	--rank-speeds 1,2,0.5 --epoch 4 --save "$TMP/plan.bin" "$TMP/r.txt"
cp "$TMP/out" "$TMP/saved.json"
expect_ok "load" "$SEQPACK" plan --load "$TMP/plan.bin"
cmp -s "$TMP/out" "$TMP/saved.json" && pass || fail "--load printed other bytes than the run that saved"
expect_ok "save text" "$SEQPACK" plan -a nf -c 1024 -w 16 --allow-empty -o text \
	--rank-capacities 1024,1k,1024,1024,1024,1024,1024,1024,1024,1024,1024,1024,1024,1024,1024,1024 \
	--save "$TMP/plan2.bin" "$DATA/small.txt"
cp "$TMP/out" "$TMP/saved.txt"
expect_ok "load text" "$SEQPACK" plan -o text --load "$TMP/plan2.bin"
cmp -s "$TMP/out" "$TMP/saved.txt" && pass || fail "--load -o text printed other bytes"
expect_fail "load with input" 2 "--load: '.*r.txt': no input files" \
	"$SEQPACK" plan --load "$TMP/plan.bin" "$TMP/r.txt"
expect_fail "load with options" 2 '--load takes no packing or plan options' \
	"$SEQPACK" plan --load "$TMP/plan.bin" -w 2
expect_fail "load foreign" 1 'r.txt: not a seqpack file' \
	"$SEQPACK" plan --load "$TMP/r.txt"
printf 'X' | dd of="$TMP/plan.bin" bs=1 seek=100 conv=notrunc 2>/dev/null
expect_fail "load corrupt" 1 'plan.bin: CRC-32 mismatch' \
	"$SEQPACK" plan --load "$TMP/plan.bin"
expect_fail "load missing" 3 'none.bin: cannot open' \
	"$SEQPACK" plan --load "$TMP/none.bin"
# The plan is printed first, then saved: a failed save exits 3, named.
run "$SEQPACK" plan -c 4096 -w 2 --save "$TMP/no/plan.bin" "$TMP/r.txt"
expect_eq "save unwritable status" 3 "$rc"
grep -q -- '--save: .*no/plan.bin.tmp: cannot create' "$TMP/err" && pass ||
	fail "save unwritable: stderr $(cat "$TMP/err")"

finish
