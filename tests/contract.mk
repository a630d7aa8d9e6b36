# The contract checks: the exported symbols equal the version script and
# the Debian symbols file, every public header compiles alone as C and
# C++, and every copy of a version number agrees with its one source.
CONTRACT_TESTS = scripts/check-symbols scripts/check-headers \
	scripts/check-versions
TESTS += $(CONTRACT_TESTS)
dist_noinst_SCRIPTS += $(CONTRACT_TESTS)
AM_TESTS_ENVIRONMENT += CC='$(CC)'; CXX_FOR_HEADERS='$(CXX_FOR_HEADERS)'; \
	export CC CXX_FOR_HEADERS;
