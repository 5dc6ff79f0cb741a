# uvfio: the README's two commands, and the heavier checks.
#   make demo            install missing packages, build, run the main job
#   make check           install missing packages, build (plain, ASan+UBSan, TSan), run every test
#   make check-valgrind  the integration tests of the plain build under valgrind (memcheck)
#   make fuzz            build the libFuzzer targets with clang and run each FUZZ_SECONDS
#   make bench           benchmarks (release build), ratios against same-run baselines
BUILD      ?= build
ASAN_BUILD ?= build-asan
TSAN_BUILD ?= build-tsan
FUZZ_BUILD ?= build-fuzz
BENCH_BUILD ?= build-bench
# Seconds per fuzz target for `make fuzz`; FUZZ_TARGETS limits it to some.
FUZZ_SECONDS ?= 300
FUZZ_TARGETS ?=

.PHONY: all build demo check check-quick check-valgrind deps-build deps-check asan tsan \
	deps-fuzz fuzz fuzz-build bench clean

all: build

deps-build:
	@scripts/install-deps.sh build

deps-check:
	@scripts/install-deps.sh check

$(BUILD)/build.ninja:
	meson setup $(BUILD)

build: deps-build $(BUILD)/build.ninja
	ninja -C $(BUILD)

$(ASAN_BUILD)/build.ninja:
	meson setup $(ASAN_BUILD) -Db_sanitize=address,undefined -Db_lundef=false -Dbuildtype=debug

asan: deps-check $(ASAN_BUILD)/build.ninja
	ninja -C $(ASAN_BUILD)

# ThreadSanitizer cannot be combined with ASan: a build of its own.
$(TSAN_BUILD)/build.ninja:
	meson setup $(TSAN_BUILD) -Db_sanitize=thread -Db_lundef=false

tsan: deps-check $(TSAN_BUILD)/build.ninja
	ninja -C $(TSAN_BUILD)

demo: build
	@scripts/demo.sh $(BUILD)

# Every test, in the plain build, under ASan+UBSan and under TSan (which skips
# the single-threaded fuzz smoke runs), then the guest tests.
check: deps-check build asan tsan
	@tests/run-tests.sh $(BUILD) $(ASAN_BUILD) $(TSAN_BUILD)

# The plain build only, no sanitizers and no guest (for quick local runs).
check-quick: deps-check build
	@UVFIO_NO_GUEST=1 tests/run-tests.sh $(BUILD)

# The integration tests (daemon, servers and drivers over sockets, child
# processes included) under valgrind's memcheck; tests/valgrind.supp.
check-valgrind: deps-check build
	@tests/run-tests.sh --valgrind $(BUILD)

# libFuzzer needs clang and its runtime (Debian: clang, libclang-rt-14-dev).
# The libraries are instrumented for coverage (fuzzer-no-link); only the fuzz
# targets and what they use are built (ninja target "fuzz").
$(FUZZ_BUILD)/build.ninja:
	@command -v clang >/dev/null || { echo "make fuzz: needs clang" >&2; exit 1; }
	@[ -f "$$(clang -print-file-name=libclang_rt.fuzzer-$$(uname -m).a)" ] || \
		{ echo "make fuzz: needs libFuzzer (libclang-rt-14-dev)" >&2; exit 1; }
	CC=clang meson setup $(FUZZ_BUILD) -Dfuzz=true -Db_sanitize=address,undefined \
		-Db_lundef=false -Dc_args=-fsanitize=fuzzer-no-link

deps-fuzz:
	@scripts/install-deps.sh fuzz

fuzz-build: deps-fuzz $(FUZZ_BUILD)/build.ninja
	ninja -C $(FUZZ_BUILD) fuzz

fuzz: fuzz-build
	@tests/fuzz/run-fuzz.sh $(FUZZ_BUILD) $(FUZZ_SECONDS) $(FUZZ_TARGETS)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(TSAN_BUILD) $(FUZZ_BUILD) $(BENCH_BUILD)

# Benchmarks: a release build in $(BENCH_BUILD), every group; the table is
# printed and written to bench/results/latest.json (bench/README.md).
bench: deps-build
	@scripts/bench.sh $(BENCH_BUILD)
