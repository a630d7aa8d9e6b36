# Allocation-failure injection (tests/test-alloc-fail.c): the interposer
# is compiled into the test program, which exports it (-export-dynamic)
# so that libseqpack and the dlopen'd plugins allocate through it too;
# failalloc.la is the same interposer as an LD_PRELOAD module for the
# daemon, armed at its first accept.  -fno-builtin: the compiler must not
# treat the wrappers as libc's functions.
FAILALLOC_SOURCES = tests/failalloc/interpose.c tests/failalloc/interpose.h
check_PROGRAMS += tests/test-alloc-fail
TESTS += tests/test-alloc-fail
tests_test_alloc_fail_SOURCES = tests/test-alloc-fail.c $(FAILALLOC_SOURCES) \
	$(TEST_DAEMON_SOURCES)
tests_test_alloc_fail_CPPFLAGS = $(TEST_DAEMON_CPPFLAGS)
tests_test_alloc_fail_CFLAGS = $(TESTLIB_CFLAGS) -fno-builtin
tests_test_alloc_fail_LDFLAGS = -export-dynamic
tests_test_alloc_fail_LDADD = $(TESTLIB_LDADD) -ldl
check_LTLIBRARIES += tests/failalloc/failalloc.la
tests_failalloc_failalloc_la_SOURCES = tests/failalloc/preload.c \
	$(FAILALLOC_SOURCES)
tests_failalloc_failalloc_la_CFLAGS = $(AM_CFLAGS) -fno-builtin
tests_failalloc_failalloc_la_LDFLAGS = $(TEST_PLUGIN_LDFLAGS)
tests_failalloc_failalloc_la_LIBADD = -ldl
