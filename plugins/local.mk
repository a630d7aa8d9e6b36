# Algorithm plugins: one libtool module per algorithm.  Each family has
# its own fragment.
plugin_LTLIBRARIES += plugins/nf.la
plugins_nf_la_SOURCES = plugins/nf.c
plugins_nf_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_nf_la_LIBADD = $(PLUGIN_LIBADD)

include $(srcdir)/plugins/ff.mk
include $(srcdir)/plugins/bf.mk
