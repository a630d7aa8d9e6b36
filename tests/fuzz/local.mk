# Fuzz targets (HACKING.md, "Fuzzing").  One program per decoder, each a
# LLVMFuzzerTestOneInput() that aborts on a broken invariant.  With
# --enable-fuzzing (CC=clang) they are libFuzzer programs and
# `make fuzz-smoke` runs each for FUZZ_SECONDS; without it, the same
# sources link with tests/fuzz/replay.c and make check replays each
# target's seed corpus, tests/fuzz/corpus/NAME/.
FUZZ_NAMES = pack daemon client input config
FUZZ_PROGS = tests/fuzz/fuzz-pack tests/fuzz/fuzz-daemon \
	tests/fuzz/fuzz-client tests/fuzz/fuzz-input tests/fuzz/fuzz-config
check_PROGRAMS += $(FUZZ_PROGS)
if ENABLE_FUZZING
FUZZ_DRIVER =
else
FUZZ_DRIVER = tests/fuzz/replay.c
TESTS += $(FUZZ_PROGS) tests/fuzz/pack-catches-liar.sh
endif
dist_noinst_SCRIPTS += tests/fuzz/pack-catches-liar.sh
EXTRA_DIST += tests/fuzz/corpus tests/fuzz/make-seeds.py
FUZZ_SOURCES = tests/fuzz/fuzz.h $(FUZZ_DRIVER)
FUZZ_LINK = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)

# The pack path: lib + the plugins of the build tree.
tests_fuzz_fuzz_pack_SOURCES = tests/fuzz/fuzz-pack.c $(FUZZ_SOURCES)
tests_fuzz_fuzz_pack_CPPFLAGS = $(AM_CPPFLAGS) \
	-DFUZZ_CORPUS='"$(abs_top_srcdir)/tests/fuzz/corpus/pack"' \
	-DFUZZ_PLUGIN_DIR='"$(abs_top_builddir)/plugins"'
tests_fuzz_fuzz_pack_LDFLAGS = $(FUZZ_LINK)
tests_fuzz_fuzz_pack_LDADD = lib/libseqpack.la

# The daemon's frame checks and request handlers, and its config loader:
# linked with the daemon's own objects (all but main), so that they are
# the code seqpackd runs, compiled with its flags, whatever files the
# daemon is made of.
FUZZ_DAEMON_OBJECTS = $(filter-out daemon/seqpackd-main.$(OBJEXT),$(daemon_seqpackd_OBJECTS))
FUZZ_DAEMON_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/lib
tests_fuzz_fuzz_daemon_SOURCES = tests/fuzz/fuzz-daemon.c $(FUZZ_SOURCES)
tests_fuzz_fuzz_daemon_CPPFLAGS = $(FUZZ_DAEMON_CPPFLAGS) \
	-DFUZZ_CORPUS='"$(abs_top_srcdir)/tests/fuzz/corpus/daemon"' \
	-DFUZZ_PLUGIN_DIR='"$(abs_top_builddir)/plugins"'
tests_fuzz_fuzz_daemon_LDFLAGS = $(FUZZ_LINK)
tests_fuzz_fuzz_daemon_LDADD = $(FUZZ_DAEMON_OBJECTS) $(daemon_seqpackd_LDADD)
EXTRA_tests_fuzz_fuzz_daemon_DEPENDENCIES = $(FUZZ_DAEMON_OBJECTS)

# The client's reply decoding, against a fake daemon that answers with
# the input.
tests_fuzz_fuzz_client_SOURCES = tests/fuzz/fuzz-client.c $(FUZZ_SOURCES) \
	tests/fuzz/fake-daemon.c tests/fuzz/fake-daemon.h
tests_fuzz_fuzz_client_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/lib \
	-DFUZZ_CORPUS='"$(abs_top_srcdir)/tests/fuzz/corpus/client"'
tests_fuzz_fuzz_client_LDFLAGS = $(FUZZ_LINK)
tests_fuzz_fuzz_client_LDADD = lib/libseqpack.la $(PTHREAD_LIBS)

# The fault fuzz-client found, as a unit test (check) on the same fake
# daemon: an error reply without a message.
check_PROGRAMS += tests/fuzz/test-client-reply
TESTS += tests/fuzz/test-client-reply
tests_fuzz_test_client_reply_SOURCES = tests/fuzz/test-client-reply.c \
	tests/fuzz/fake-daemon.c tests/fuzz/fake-daemon.h tests/fuzz/fuzz.h \
	lib/proto.c lib/proto.h
tests_fuzz_test_client_reply_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/lib
tests_fuzz_test_client_reply_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_fuzz_test_client_reply_LDADD = lib/libseqpack.la $(CHECK_LIBS) \
	$(PTHREAD_LIBS)

# The CLI's length readers (text, JSON, JSON Lines, .npy).
tests_fuzz_fuzz_input_SOURCES = tests/fuzz/fuzz-input.c $(FUZZ_SOURCES) \
	tools/input.c tools/args.c
tests_fuzz_fuzz_input_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/tools \
	-DFUZZ_CORPUS='"$(abs_top_srcdir)/tests/fuzz/corpus/input"'
tests_fuzz_fuzz_input_CFLAGS = $(AM_CFLAGS) $(JSONC_CFLAGS)
tests_fuzz_fuzz_input_LDFLAGS = $(FUZZ_LINK)
tests_fuzz_fuzz_input_LDADD = lib/libseqpack.la util/libutil.la $(JSONC_LIBS)

tests_fuzz_fuzz_config_SOURCES = tests/fuzz/fuzz-config.c $(FUZZ_SOURCES)
tests_fuzz_fuzz_config_CPPFLAGS = $(FUZZ_DAEMON_CPPFLAGS) \
	-DFUZZ_CORPUS='"$(abs_top_srcdir)/tests/fuzz/corpus/config"'
tests_fuzz_fuzz_config_LDFLAGS = $(FUZZ_LINK)
tests_fuzz_fuzz_config_LDADD = $(FUZZ_DAEMON_OBJECTS) $(daemon_seqpackd_LDADD)
EXTRA_tests_fuzz_fuzz_config_DEPENDENCIES = $(FUZZ_DAEMON_OBJECTS)

# make fuzz-smoke: every target for FUZZ_SECONDS, new inputs kept in
# tests/fuzz/work/NAME (the seed corpus in the source tree is only
# read), a finding's input in tests/fuzz/findings/.  Fails on any crash,
# leak, sanitizer report, timeout (FUZZ_TIMEOUT s for one input) or
# broken check.
FUZZ_SECONDS = 60
FUZZ_TIMEOUT = 10
FUZZ_FLAGS =
FUZZ_MAX_LEN_pack = 4096
FUZZ_MAX_LEN_daemon = 16384
FUZZ_MAX_LEN_client = 8192
FUZZ_MAX_LEN_input = 4096
FUZZ_MAX_LEN_config = 2048
if ENABLE_FUZZING
fuzz-smoke: all $(FUZZ_PROGS)
	@mkdir -p tests/fuzz/findings; failed=; \
	for t in $(FUZZ_NAMES); do \
	  case $$t in \
	  pack) max=$(FUZZ_MAX_LEN_pack) ;; daemon) max=$(FUZZ_MAX_LEN_daemon) ;; \
	  client) max=$(FUZZ_MAX_LEN_client) ;; input) max=$(FUZZ_MAX_LEN_input) ;; \
	  *) max=$(FUZZ_MAX_LEN_config) ;; \
	  esac; \
	  mkdir -p tests/fuzz/work/$$t; \
	  echo "fuzz-smoke: $$t for $(FUZZ_SECONDS) s (-max_len=$$max)"; \
	  if SEQPACK_PLUGIN_PATH='$(abs_top_builddir)/plugins' \
	     ASAN_OPTIONS=abort_on_error=1:detect_leaks=1 \
	     UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	     tests/fuzz/fuzz-$$t -max_total_time=$(FUZZ_SECONDS) \
	       -max_len=$$max -timeout=$(FUZZ_TIMEOUT) -rss_limit_mb=2048 \
	       -print_final_stats=1 \
	       -artifact_prefix=tests/fuzz/findings/$$t- $(FUZZ_FLAGS) \
	       tests/fuzz/work/$$t $(srcdir)/tests/fuzz/corpus/$$t \
	       > tests/fuzz/fuzz-$$t.log 2>&1; then \
	    grep -E '^(stat::number_of_executed_units|stat::average_exec_per_sec|#[0-9]+.*DONE)' \
	      tests/fuzz/fuzz-$$t.log | sed "s/^/  $$t: /"; \
	  else \
	    echo "fuzz-smoke: $$t FAILED; the end of tests/fuzz/fuzz-$$t.log:"; \
	    tail -n 60 tests/fuzz/fuzz-$$t.log; failed="$$failed $$t"; \
	  fi; \
	done; \
	if test -n "$$failed"; then \
	  echo "fuzz-smoke: findings in:$$failed (inputs in tests/fuzz/findings/)"; \
	  exit 1; \
	fi
else
fuzz-smoke:
	@echo "fuzz-smoke: configure with --enable-fuzzing CC=clang first" >&2
	@exit 1
endif
.PHONY: fuzz-smoke
clean-local: clean-fuzz
clean-fuzz:
	-rm -rf tests/fuzz/work tests/fuzz/findings tests/fuzz/fuzz-*.log
.PHONY: clean-fuzz
