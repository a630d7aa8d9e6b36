include $(srcdir)/tests/cli.mk
