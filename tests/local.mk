# Tests run against the uninstalled tree: plugins come from the build
# directory, and scripts may locate the tree through abs_top_*.
AM_TESTS_ENVIRONMENT = SEQPACK_PLUGIN_PATH='$(abs_top_builddir)/plugins'; export SEQPACK_PLUGIN_PATH; abs_top_builddir='$(abs_top_builddir)'; abs_top_srcdir='$(abs_top_srcdir)'; export abs_top_builddir abs_top_srcdir;

# Unit and property tests of the core library and the algorithms (check).
# Each links the shared helpers (seeded PRNG, input shapes, independent
# checker, exact solver) from tests/testlib.c.
TESTLIB_SOURCES = tests/testlib.c tests/testlib.h
TESTLIB_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
TESTLIB_LDADD = lib/libseqpack.la $(CHECK_LIBS) -lm

check_PROGRAMS += tests/test-core tests/test-registry
TESTS += tests/test-core tests/test-registry

tests_test_core_SOURCES = tests/test-core.c $(TESTLIB_SOURCES)
tests_test_core_CFLAGS = $(TESTLIB_CFLAGS)
tests_test_core_LDADD = $(TESTLIB_LDADD)

tests_test_registry_SOURCES = tests/test-registry.c $(TESTLIB_SOURCES)
tests_test_registry_CFLAGS = $(TESTLIB_CFLAGS)
tests_test_registry_LDADD = $(TESTLIB_LDADD)

# Deliberately broken plugins, built for the registry tests only (never
# installed; -rpath makes libtool build a shared module).  tests/dup holds
# a second "nf" for the duplicate-name test.
TEST_PLUGIN_LDFLAGS = -module -avoid-version -shared -rpath /nowhere
check_LTLIBRARIES += tests/plugins/badabi.la tests/plugins/noentry.la \
	tests/plugins/badname.la tests/plugins/nopack.la \
	tests/plugins/liar.la tests/plugins/failer.la tests/dup/nf.la
tests_plugins_badabi_la_SOURCES = tests/plugins/badabi.c
tests_plugins_badabi_la_LDFLAGS = $(TEST_PLUGIN_LDFLAGS)
tests_plugins_noentry_la_SOURCES = tests/plugins/noentry.c
tests_plugins_noentry_la_LDFLAGS = $(TEST_PLUGIN_LDFLAGS)
tests_plugins_badname_la_SOURCES = tests/plugins/badname.c
tests_plugins_badname_la_LDFLAGS = $(TEST_PLUGIN_LDFLAGS)
tests_plugins_nopack_la_SOURCES = tests/plugins/nopack.c
tests_plugins_nopack_la_LDFLAGS = $(TEST_PLUGIN_LDFLAGS)
tests_plugins_liar_la_SOURCES = tests/plugins/liar.c
tests_plugins_liar_la_LDFLAGS = $(TEST_PLUGIN_LDFLAGS)
tests_plugins_failer_la_SOURCES = tests/plugins/failer.c
tests_plugins_failer_la_LDFLAGS = $(TEST_PLUGIN_LDFLAGS)
tests_dup_nf_la_SOURCES = tests/dup/nf.c
tests_dup_nf_la_LDFLAGS = $(TEST_PLUGIN_LDFLAGS)

include $(srcdir)/tests/cli.mk

# ff family
check_PROGRAMS += tests/test-ff-family
TESTS += tests/test-ff-family
tests_test_ff_family_SOURCES = tests/test-ff-family.c \
	plugins/common/rng.c plugins/common/rng.h
tests_test_ff_family_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_test_ff_family_LDADD = lib/libseqpack.la $(CHECK_LIBS)
