# Documentation: manual pages of the tool and of the plugin ABI.  The
# daemon's pages (seqpackd.8, seqpackd.conf.5) belong to daemon/local.mk.
man_MANS += docs/man/seqpack.1 docs/man/seqpack-plugin.7
EXTRA_DIST += docs/man/seqpack.1 docs/man/seqpack-plugin.7
# Every Markdown document, present and future.
EXTRA_DIST += $(wildcard $(srcdir)/docs/*.md)

# seqpack(1) must document every command and long option that the built
# tool's --help prints, and nothing it does not: the page cannot drift
# silently.
dist_noinst_SCRIPTS += scripts/check-man
TESTS += scripts/check-man
