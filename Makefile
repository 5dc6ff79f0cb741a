# uvfio: the README's two commands.
#   make demo   install missing packages, build, run the main job
#   make check  install missing packages, build (plain and ASan+UBSan), run every test
BUILD      ?= build
ASAN_BUILD ?= build-asan

.PHONY: all build demo check check-quick deps-build deps-check asan clean

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

demo: build
	@scripts/demo.sh $(BUILD)

# Every test, in the plain build and under ASan+UBSan, then the guest tests.
check: deps-check build asan
	@tests/run-tests.sh $(BUILD) $(ASAN_BUILD)

# The plain build only, no sanitizers and no guest (for quick local runs).
check-quick: deps-check build
	@UVFIO_NO_GUEST=1 tests/run-tests.sh $(BUILD)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD)
