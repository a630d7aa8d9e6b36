# Tests run against the uninstalled tree: plugins come from the build
# directory, and scripts may locate the tree through abs_top_*.
AM_TESTS_ENVIRONMENT = SEQPACK_PLUGIN_PATH='$(abs_top_builddir)/plugins'; export SEQPACK_PLUGIN_PATH; abs_top_builddir='$(abs_top_builddir)'; abs_top_srcdir='$(abs_top_srcdir)'; export abs_top_builddir abs_top_srcdir;

# Unit and property tests of the core library and the algorithms (check).
# Each links the shared helpers (seeded PRNG, input shapes, independent
# checker, exact solver) from tests/testlib.c.
TESTLIB_SOURCES = tests/testlib.c tests/testlib.h
TESTLIB_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
TESTLIB_LDADD = lib/libseqpack.la $(CHECK_LIBS) -lm

check_PROGRAMS += tests/test-core tests/test-registry tests/test-properties \
	tests/test-optimal tests/test-golden tests/test-stream
TESTS += tests/test-core tests/test-registry tests/test-properties \
	tests/test-optimal tests/test-golden tests/test-stream

# lower_bound with max_items, every algorithm (issue 12).
check_PROGRAMS += tests/test-bound
TESTS += tests/test-bound
tests_test_bound_SOURCES = tests/test-bound.c $(TESTLIB_SOURCES)
tests_test_bound_CFLAGS = $(TESTLIB_CFLAGS)
tests_test_bound_LDADD = $(TESTLIB_LDADD)

tests_test_core_SOURCES = tests/test-core.c $(TESTLIB_SOURCES)
tests_test_core_CFLAGS = $(TESTLIB_CFLAGS)
tests_test_core_LDADD = $(TESTLIB_LDADD)

tests_test_registry_SOURCES = tests/test-registry.c $(TESTLIB_SOURCES)
tests_test_registry_CFLAGS = $(TESTLIB_CFLAGS)
tests_test_registry_LDADD = $(TESTLIB_LDADD)

tests_test_properties_SOURCES = tests/test-properties.c $(TESTLIB_SOURCES)
tests_test_properties_CFLAGS = $(TESTLIB_CFLAGS)
tests_test_properties_LDADD = $(TESTLIB_LDADD)

tests_test_optimal_SOURCES = tests/test-optimal.c $(TESTLIB_SOURCES)
tests_test_optimal_CFLAGS = $(TESTLIB_CFLAGS)
tests_test_optimal_LDADD = $(TESTLIB_LDADD)

tests_test_golden_SOURCES = tests/test-golden.c $(TESTLIB_SOURCES)
tests_test_golden_CFLAGS = $(TESTLIB_CFLAGS)
tests_test_golden_LDADD = $(TESTLIB_LDADD)

tests_test_stream_SOURCES = tests/test-stream.c $(TESTLIB_SOURCES)
tests_test_stream_CFLAGS = $(TESTLIB_CFLAGS)
tests_test_stream_LDADD = $(TESTLIB_LDADD)

# Data-parallel step plans (include/seqpack/plan.h).
check_PROGRAMS += tests/test-plan
TESTS += tests/test-plan
tests_test_plan_SOURCES = tests/test-plan.c $(TESTLIB_SOURCES)
tests_test_plan_CFLAGS = $(TESTLIB_CFLAGS)
tests_test_plan_LDADD = $(TESTLIB_LDADD)
# Plans and packings in files (lib/plan-file.c).
check_PROGRAMS += tests/test-plan-file
TESTS += tests/test-plan-file
# With the allocation-failure interposer (tests/failalloc/local.mk says
# why -export-dynamic and -fno-builtin), for the loads' NOMEM paths.
tests_test_plan_file_SOURCES = tests/test-plan-file.c $(TESTLIB_SOURCES) \
	$(FAILALLOC_SOURCES)
tests_test_plan_file_CFLAGS = $(TESTLIB_CFLAGS) -fno-builtin
tests_test_plan_file_LDFLAGS = -export-dynamic
tests_test_plan_file_LDADD = $(TESTLIB_LDADD) -ldl

# Varlen attention inputs (seqpack_result_cu_seqlens/position_ids) and
# the CLI's CRC-32 (util/crc32.c, hidden in the library: linked here).
check_PROGRAMS += tests/test-varlen
TESTS += tests/test-varlen
tests_test_varlen_SOURCES = tests/test-varlen.c $(TESTLIB_SOURCES)
tests_test_varlen_CFLAGS = $(TESTLIB_CFLAGS)
tests_test_varlen_LDADD = util/libutil.la $(TESTLIB_LDADD)

# Deliberately broken plugins, built for the registry tests only (never
# installed; -rpath makes libtool build a shared module).  tests/dup holds
# a second "nf" for the duplicate-name test.
TEST_PLUGIN_LDFLAGS = -module -avoid-version -shared -rpath /nowhere
check_LTLIBRARIES += tests/plugins/badabi.la tests/plugins/noentry.la \
	tests/plugins/badname.la tests/plugins/nopack.la \
	tests/plugins/liar.la tests/plugins/failer.la tests/dup/nf.la \
	tests/deaf/deaf.la
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
# A streaming plugin that ignores emit()'s refusal, alone in its directory
# so that the registry tests' counts of tests/plugins stay as they are.
tests_deaf_deaf_la_SOURCES = tests/deaf/deaf.c
tests_deaf_deaf_la_LDFLAGS = $(TEST_PLUGIN_LDFLAGS)

include $(srcdir)/tests/cli.mk

# ff family
check_PROGRAMS += tests/test-ff-family
TESTS += tests/test-ff-family
tests_test_ff_family_SOURCES = tests/test-ff-family.c \
	plugins/common/rng.c plugins/common/rng.h
tests_test_ff_family_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_test_ff_family_LDADD = lib/libseqpack.la $(CHECK_LIBS)

# bf family
check_PROGRAMS += tests/test-bf-family
TESTS += tests/test-bf-family
tests_test_bf_family_SOURCES = tests/test-bf-family.c
tests_test_bf_family_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_test_bf_family_LDADD = lib/libseqpack.la $(CHECK_LIBS)

# daemon
# seqpackd end to end (tests/test-daemon*.c share a harness that starts
# the daemon from the build tree and waits for its READY=1).  gate.la is
# a test plugin the tests can hold inside pack().
TEST_DAEMON_SOURCES = tests/test-daemon-util.c tests/test-daemon-util.h \
	tests/test-daemon-gate.c tests/test-daemon-gate.h \
	lib/proto.c lib/proto.h $(TESTLIB_SOURCES)
TEST_DAEMON_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/lib
check_PROGRAMS += tests/test-daemon tests/test-daemon-bad \
	tests/test-daemon-load tests/test-daemon-activate
TESTS += tests/test-daemon tests/test-daemon-bad \
	tests/test-daemon-load tests/test-daemon-activate
tests_test_daemon_SOURCES = tests/test-daemon.c $(TEST_DAEMON_SOURCES)
tests_test_daemon_CPPFLAGS = $(TEST_DAEMON_CPPFLAGS)
tests_test_daemon_CFLAGS = $(TESTLIB_CFLAGS)
tests_test_daemon_LDADD = $(TESTLIB_LDADD)
tests_test_daemon_bad_SOURCES = tests/test-daemon-bad.c $(TEST_DAEMON_SOURCES)
tests_test_daemon_bad_CPPFLAGS = $(TEST_DAEMON_CPPFLAGS)
tests_test_daemon_bad_CFLAGS = $(TESTLIB_CFLAGS)
tests_test_daemon_bad_LDADD = $(TESTLIB_LDADD)
tests_test_daemon_load_SOURCES = tests/test-daemon-load.c $(TEST_DAEMON_SOURCES)
tests_test_daemon_load_CPPFLAGS = $(TEST_DAEMON_CPPFLAGS)
tests_test_daemon_load_CFLAGS = $(TESTLIB_CFLAGS)
tests_test_daemon_load_LDADD = $(TESTLIB_LDADD)
tests_test_daemon_activate_SOURCES = tests/test-daemon-activate.c $(TEST_DAEMON_SOURCES)
tests_test_daemon_activate_CPPFLAGS = $(TEST_DAEMON_CPPFLAGS)
tests_test_daemon_activate_CFLAGS = $(TESTLIB_CFLAGS)
tests_test_daemon_activate_LDADD = $(TESTLIB_LDADD)
check_LTLIBRARIES += tests/daemon/gate.la
tests_daemon_gate_la_SOURCES = tests/daemon/gate.c
tests_daemon_gate_la_LDFLAGS = $(TEST_PLUGIN_LDFLAGS)
# daemon: the wire encoding against the golden bytes of docs/protocol.md
check_PROGRAMS += tests/test-daemon-proto
TESTS += tests/test-daemon-proto
tests_test_daemon_proto_SOURCES = tests/test-daemon-proto.c lib/proto.c lib/proto.h $(TESTLIB_SOURCES)
tests_test_daemon_proto_CPPFLAGS = $(TEST_DAEMON_CPPFLAGS)
tests_test_daemon_proto_CFLAGS = $(TESTLIB_CFLAGS)
tests_test_daemon_proto_LDADD = $(TESTLIB_LDADD)
# daemon: PACK through shared memory (SHM_ATTACH, PACK_SHM), its refusals
# and the client's fallback
check_PROGRAMS += tests/test-daemon-shm
TESTS += tests/test-daemon-shm
tests_test_daemon_shm_SOURCES = tests/test-daemon-shm.c $(TEST_DAEMON_SOURCES)
tests_test_daemon_shm_CPPFLAGS = $(TEST_DAEMON_CPPFLAGS)
tests_test_daemon_shm_CFLAGS = $(TESTLIB_CFLAGS)
tests_test_daemon_shm_LDADD = $(TESTLIB_LDADD)
# daemon: the memory budget, per-UID shares, stream bounds and fairness
check_PROGRAMS += tests/test-daemon-budget
TESTS += tests/test-daemon-budget
tests_test_daemon_budget_SOURCES = tests/test-daemon-budget.c $(TEST_DAEMON_SOURCES)
tests_test_daemon_budget_CPPFLAGS = $(TEST_DAEMON_CPPFLAGS)
tests_test_daemon_budget_CFLAGS = $(TESTLIB_CFLAGS)
tests_test_daemon_budget_LDADD = $(TESTLIB_LDADD)
# daemon: plugins that crash, hang or allocate without end cost their
# request, never the daemon (packer processes); the plugins live in their
# own directory so that no other test's plugin path loads them
check_PROGRAMS += tests/test-daemon-isolate
TESTS += tests/test-daemon-isolate
tests_test_daemon_isolate_SOURCES = tests/test-daemon-isolate.c $(TEST_DAEMON_SOURCES)
tests_test_daemon_isolate_CPPFLAGS = $(TEST_DAEMON_CPPFLAGS)
tests_test_daemon_isolate_CFLAGS = $(TESTLIB_CFLAGS)
tests_test_daemon_isolate_LDADD = $(TESTLIB_LDADD)
check_LTLIBRARIES += tests/isolate/hang.la tests/isolate/crash.la \
	tests/isolate/hog.la
tests_isolate_hang_la_SOURCES = tests/isolate/hang.c
tests_isolate_hang_la_LDFLAGS = $(TEST_PLUGIN_LDFLAGS)
tests_isolate_crash_la_SOURCES = tests/isolate/crash.c
tests_isolate_crash_la_LDFLAGS = $(TEST_PLUGIN_LDFLAGS)
tests_isolate_hog_la_SOURCES = tests/isolate/hog.c
tests_isolate_hog_la_LDFLAGS = $(TEST_PLUGIN_LDFLAGS)

# streaming plugins in their connection's stream packer
check_PROGRAMS += tests/test-daemon-isolate-stream
TESTS += tests/test-daemon-isolate-stream
tests_test_daemon_isolate_stream_SOURCES = tests/test-daemon-isolate-stream.c $(TEST_DAEMON_SOURCES)
tests_test_daemon_isolate_stream_CPPFLAGS = $(TEST_DAEMON_CPPFLAGS)
tests_test_daemon_isolate_stream_CFLAGS = $(TESTLIB_CFLAGS)
tests_test_daemon_isolate_stream_LDADD = $(TESTLIB_LDADD)
check_LTLIBRARIES += tests/isolate/crashstream.la tests/isolate/hangstream.la \
	tests/isolate/hogstream.la
tests_isolate_crashstream_la_SOURCES = tests/isolate/crashstream.c
tests_isolate_crashstream_la_LDFLAGS = $(TEST_PLUGIN_LDFLAGS)
tests_isolate_hangstream_la_SOURCES = tests/isolate/hangstream.c
tests_isolate_hangstream_la_LDFLAGS = $(TEST_PLUGIN_LDFLAGS)
tests_isolate_hogstream_la_SOURCES = tests/isolate/hogstream.c
tests_isolate_hogstream_la_LDFLAGS = $(TEST_PLUGIN_LDFLAGS)
# daemon: seqpack pack|stream|algorithms --socket print what in-process does
check_PROGRAMS += tests/test-daemon-cli
TESTS += tests/test-daemon-cli
tests_test_daemon_cli_SOURCES = tests/test-daemon-cli.c $(TEST_DAEMON_SOURCES)
tests_test_daemon_cli_CPPFLAGS = $(TEST_DAEMON_CPPFLAGS)
tests_test_daemon_cli_CFLAGS = $(TESTLIB_CFLAGS)
tests_test_daemon_cli_LDADD = $(TESTLIB_LDADD)
# util/hugemem.c: its own allocations round-trip, foreign pointers abort
check_PROGRAMS += tests/test-hugemem
TESTS += tests/test-hugemem
tests_test_hugemem_SOURCES = tests/test-hugemem.c $(TESTLIB_SOURCES)
tests_test_hugemem_CFLAGS = $(TESTLIB_CFLAGS)
tests_test_hugemem_LDADD = util/libutil.la $(TESTLIB_LDADD)
# daemon: 100 SIGKILLs under socket activation, clients that retry once
# lose no request (the test plays systemd's Restart=always)
check_PROGRAMS += tests/test-daemon-crashloop
TESTS += tests/test-daemon-crashloop
tests_test_daemon_crashloop_SOURCES = tests/test-daemon-crashloop.c $(TEST_DAEMON_SOURCES)
tests_test_daemon_crashloop_CPPFLAGS = $(TEST_DAEMON_CPPFLAGS)
tests_test_daemon_crashloop_CFLAGS = $(TESTLIB_CFLAGS) $(PTHREAD_CFLAGS)
tests_test_daemon_crashloop_LDADD = $(TESTLIB_LDADD) $(PTHREAD_LIBS)
# daemon: SIGTERM answers every request already sent, then EOF, no reset
check_PROGRAMS += tests/test-daemon-stop
TESTS += tests/test-daemon-stop
tests_test_daemon_stop_SOURCES = tests/test-daemon-stop.c $(TEST_DAEMON_SOURCES)
tests_test_daemon_stop_CPPFLAGS = $(TEST_DAEMON_CPPFLAGS)
tests_test_daemon_stop_CFLAGS = $(TESTLIB_CFLAGS)
tests_test_daemon_stop_LDADD = $(TESTLIB_LDADD)
# daemon: allowed-groups on the peer's real groups; what a refused user
# is told (needs root: the peers drop to ids nothing knows)
check_PROGRAMS += tests/test-daemon-access
TESTS += tests/test-daemon-access
tests_test_daemon_access_SOURCES = tests/test-daemon-access.c $(TEST_DAEMON_SOURCES)
tests_test_daemon_access_CPPFLAGS = $(TEST_DAEMON_CPPFLAGS)
tests_test_daemon_access_CFLAGS = $(TESTLIB_CFLAGS)
tests_test_daemon_access_LDADD = $(TESTLIB_LDADD)
# daemon: the journal at the default level (one start line, none per
# connection, a quiet ExecStartPre)
check_PROGRAMS += tests/test-daemon-log
TESTS += tests/test-daemon-log
tests_test_daemon_log_SOURCES = tests/test-daemon-log.c $(TEST_DAEMON_SOURCES)
tests_test_daemon_log_CPPFLAGS = $(TEST_DAEMON_CPPFLAGS)
tests_test_daemon_log_CFLAGS = $(TESTLIB_CFLAGS)
tests_test_daemon_log_LDADD = $(TESTLIB_LDADD)
# daemon: docs/protocol.md's table of which errors close, row by row
check_PROGRAMS += tests/test-daemon-errors
TESTS += tests/test-daemon-errors
tests_test_daemon_errors_SOURCES = tests/test-daemon-errors.c $(TEST_DAEMON_SOURCES)
tests_test_daemon_errors_CPPFLAGS = $(TEST_DAEMON_CPPFLAGS)
tests_test_daemon_errors_CFLAGS = $(TESTLIB_CFLAGS)
tests_test_daemon_errors_LDADD = $(TESTLIB_LDADD)

# client: deadlines, the one transparent reconnect, re-entry from a stream
# callback (a fake daemon thread, and the real one restarted)
check_PROGRAMS += tests/test-client-robust
TESTS += tests/test-client-robust
tests_test_client_robust_SOURCES = tests/test-client-robust.c $(TEST_DAEMON_SOURCES)
tests_test_client_robust_CPPFLAGS = $(TEST_DAEMON_CPPFLAGS)
tests_test_client_robust_CFLAGS = $(TESTLIB_CFLAGS) $(PTHREAD_CFLAGS)
tests_test_client_robust_LDADD = $(TESTLIB_LDADD) $(PTHREAD_LIBS)

include $(srcdir)/tests/contract.mk
include $(srcdir)/tests/failalloc/local.mk
include $(srcdir)/tests/valgrind.mk
