# End-to-end tests of the seqpack command line: bash scripts that run the
# built tools/seqpack (libtool wrapper) against the uninstalled plugins
# and check its output, stderr and exit status.  The environment comes
# from AM_TESTS_ENVIRONMENT (tests/local.mk); tests/cli/common.sh falls
# back to the current directory when a script is run by hand.
CLI_TESTS = \
	tests/cli/pack.sh \
	tests/cli/errors.sh \
	tests/cli/stream.sh \
	tests/cli/algorithms.sh \
	tests/cli/big.sh \
	tests/cli/bench.sh \
	tests/cli/usability.sh \
	tests/cli/plan.sh \
	tests/cli/varlen.sh
TESTS += $(CLI_TESTS)
EXTRA_DIST += $(CLI_TESTS) \
	tests/cli/common.sh \
	tests/cli/check-packing.awk \
	tests/data/small.txt \
	tests/data/small.json \
	tests/data/small.jsonl
