# make check-valgrind: the check programs (unit, property and daemon
# tests) again under valgrind's memcheck, through the automake test driver
# with LOG_COMPILER set, so each test keeps its .log/.trs and the summary
# goes to tests/test-suite-valgrind.log.  A test fails on any memcheck
# error and on any definite leak (--error-exitcode), in the test process,
# in every child check(1) forks, in every seqpackd the daemon tests start
# ($SEQPACKD is a wrapper that execs the daemon under the same valgrind)
# and in the seqpack tool test-daemon-cli runs (--trace-children).
#
# Not run under memcheck: the shell tests (tests/cli/*.sh, scripts/check-*).
# They start bash, awk, cc and the tool dozens of times; the tool's code
# they cover is the same as the unit tests' plus tools/*.c, which
# test-daemon-cli already runs under memcheck through --trace-children.
#
# VALGRIND_SCALE is $SEQPACK_TEST_SCALE for the run (loop counts and input
# sizes of the property, exact-solver and load tests; every test keeps its
# smallest case), chosen so the whole run fits CI (docs/reliability.md has
# the time).  The check(1) timeouts are stretched by
# CK_TIMEOUT_MULTIPLIER; they are guards against hangs, not timing checks.
VALGRIND = valgrind
VALGRIND_SCALE = 0.1
VALGRIND_TIMEOUT_MULTIPLIER = 10
# Passed in $VALGRIND_OPTS, which every valgrind reads: the one
# LOG_COMPILER starts and the one in tests/valgrind-seqpackd.sh.
# somalloc=nouserintercepts: memcheck replaces only libc's allocator, not
# the malloc that tests/test-alloc-fail and tests/failalloc define to
# fail allocations (they forward to libc's, which memcheck does replace;
# without it the test's interposer check fails, 1 allocation counted).
VALGRIND_FLAGS = -q --tool=memcheck --leak-check=full \
	--show-leak-kinds=definite --errors-for-leak-kinds=definite \
	--error-exitcode=97 --num-callers=30 \
	--soname-synonyms=somalloc=nouserintercepts \
	--suppressions=$(abs_top_srcdir)/tests/valgrind.supp \
	--trace-children=yes \
	--trace-children-skip=*/valgrind-seqpackd.sh,*/systemd-socket-activate,/bin/*,/usr/bin/*
# The check programs only (the contract scripts have no extension either,
# but are shell scripts: see above).
VALGRIND_TESTS = $(filter tests/test-%,$(TESTS))

EXTRA_DIST += tests/valgrind.supp tests/valgrind.mk tests/valgrind-seqpackd.sh
CLEANFILES += tests/test-suite-valgrind.log

check-valgrind:
	$(MAKE) $(AM_MAKEFLAGS) check \
		TESTS='$(VALGRIND_TESTS)' \
		TEST_SUITE_LOG=tests/test-suite-valgrind.log \
		LOG_COMPILER='$(abs_top_builddir)/libtool --mode=execute $(VALGRIND)' \
		TESTS_ENVIRONMENT='VALGRIND="$(VALGRIND)"; VALGRIND_OPTS="$(VALGRIND_FLAGS)"; SEQPACKD=$(abs_top_srcdir)/tests/valgrind-seqpackd.sh; SEQPACK_TEST_SCALE=$$$${SEQPACK_TEST_SCALE:-$(VALGRIND_SCALE)}; CK_TIMEOUT_MULTIPLIER=$(VALGRIND_TIMEOUT_MULTIPLIER); export VALGRIND VALGRIND_OPTS SEQPACKD SEQPACK_TEST_SCALE CK_TIMEOUT_MULTIPLIER;'

.PHONY: check-valgrind
