# Best-Fit family: bf, wf, bfd, obfd, obfdp.  Shared code is compiled into
# each module; the private helpers come from util/libutil.la.
BF_COMMON = plugins/common/bfutil.c plugins/common/bfutil.h
BF_TREE = plugins/common/bftree.c plugins/common/bftree.h
BF_CAP = plugins/common/bfcap.c plugins/common/bfcap.h \
	plugins/common/bfplace.h
BF_BUCKET = plugins/common/bfbucket.c plugins/common/bfbucket.h
BF_STREAM = plugins/common/bfstream.c plugins/common/bfstream.h
OBFD_CORE = plugins/common/obfdcore.c plugins/common/obfdcore.h \
	plugins/common/order.c plugins/common/order.h \
	$(BF_COMMON) $(BF_TREE) $(BF_CAP) $(BF_BUCKET)

plugin_LTLIBRARIES += plugins/bfd.la
plugins_bfd_la_SOURCES = plugins/bfd.c $(BF_COMMON) $(BF_TREE) $(BF_CAP) \
	$(BF_BUCKET) plugins/common/order.c plugins/common/order.h
plugins_bfd_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_bfd_la_LIBADD = $(PLUGIN_LIBADD)

plugin_LTLIBRARIES += plugins/obfd.la
plugins_obfd_la_SOURCES = plugins/obfd.c $(OBFD_CORE)
plugins_obfd_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_obfd_la_LIBADD = $(PLUGIN_LIBADD)

plugin_LTLIBRARIES += plugins/bf.la
plugins_bf_la_SOURCES = plugins/bf.c $(BF_COMMON) $(BF_TREE) $(BF_CAP) \
	$(BF_BUCKET) $(BF_STREAM)
plugins_bf_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_bf_la_LIBADD = $(PLUGIN_LIBADD)

plugin_LTLIBRARIES += plugins/wf.la
plugins_wf_la_SOURCES = plugins/wf.c $(BF_COMMON) $(BF_TREE) $(BF_STREAM)
plugins_wf_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_wf_la_LIBADD = $(PLUGIN_LIBADD)

plugin_LTLIBRARIES += plugins/obfdp.la
plugins_obfdp_la_SOURCES = plugins/obfdp.c $(OBFD_CORE) \
	plugins/common/pool.c plugins/common/pool.h
plugins_obfdp_la_LIBADD = $(PLUGIN_LIBADD) $(PTHREAD_LIBS)
plugins_obfdp_la_LDFLAGS = $(PLUGIN_LDFLAGS)

# The obfd timing harness (built by hand; see its header).
EXTRA_DIST += scripts/time-obfd.c
