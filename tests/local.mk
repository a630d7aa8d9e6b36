# Tests run against the uninstalled tree: plugins come from the build
# directory, and scripts may locate the tree through abs_top_*.
AM_TESTS_ENVIRONMENT = SEQPACK_PLUGIN_PATH='$(abs_top_builddir)/plugins'; export SEQPACK_PLUGIN_PATH; abs_top_builddir='$(abs_top_builddir)'; abs_top_srcdir='$(abs_top_srcdir)'; export abs_top_builddir abs_top_srcdir;

include $(srcdir)/tests/cli.mk
