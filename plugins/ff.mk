# The First-Fit family and Harmonic-K: one libtool module each, sharing
# the sources in plugins/common (no convenience library: the registry only
# loads modules named after their algorithm).
FF_COMMON = plugins/common/fftree.c plugins/common/fftree.h \
	plugins/common/ffpack.c plugins/common/ffpack.h

plugin_LTLIBRARIES += plugins/ff.la plugins/ffd.la plugins/ffs.la \
	plugins/mffd.la plugins/hk.la

plugins_ff_la_SOURCES = plugins/ff.c $(FF_COMMON)
plugins_ff_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_ff_la_LIBADD = $(PLUGIN_LIBADD)

plugins_ffd_la_SOURCES = plugins/ffd.c $(FF_COMMON) \
	plugins/common/order.c plugins/common/order.h
plugins_ffd_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_ffd_la_LIBADD = $(PLUGIN_LIBADD)

plugins_ffs_la_SOURCES = plugins/ffs.c $(FF_COMMON) \
	plugins/common/rng.c plugins/common/rng.h
plugins_ffs_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_ffs_la_LIBADD = $(PLUGIN_LIBADD)

plugins_mffd_la_SOURCES = plugins/mffd.c $(FF_COMMON) \
	plugins/common/order.c plugins/common/order.h
plugins_mffd_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_mffd_la_LIBADD = $(PLUGIN_LIBADD)

plugins_hk_la_SOURCES = plugins/hk.c $(FF_COMMON)
plugins_hk_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_hk_la_LIBADD = $(PLUGIN_LIBADD)
