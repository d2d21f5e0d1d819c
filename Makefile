# sluice — the two commands are `make run` and `make test`.
#   make            build build/sluice (installs missing build packages first)
#   make run        build, then start sluice on ./data with a ready Customer.io dataflow
#   make test       install what tests need, run the whole suite, then again under ASan+UBSan
#   make bench      throughput, latency and CPU per event against nginx (wrk, loopback)
#   make bench-cluster  cluster mode: collect rate and processing with 1 and 2 process nodes
#   make fuzz       build the libFuzzer targets (clang) and run each for FUZZ_SECONDS
#   make format     clang-format every C file in place
.PHONY: all build build-release run test test-quick test-asan bench bench-cluster bench-mapping fuzz format lint clean check-deep

BUILD      ?= build
JOBS       ?= $(shell nproc)
FUZZ_SECONDS ?= 30
RUN_ARGS   ?=

all: build

build:
	@scripts/deps.sh build
	@cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	    $(if $(CI),-DSLUICE_WERROR=ON) >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

run: build
	@mkdir -p data
	exec $(BUILD)/sluice serve --data ./data $(RUN_ARGS)

test:
	@scripts/deps.sh test
	@scripts/e2e-deps.sh
	cmake --preset dev >/dev/null
	cmake --build build -j $(JOBS)
	cd build && ctest --output-on-failure -j 2
	$(MAKE) build-release
	$(MAKE) test-asan

test-quick:
	@scripts/deps.sh test
	cmake --preset dev >/dev/null
	cmake --build build -j $(JOBS)
	cd build && ctest --output-on-failure -L quick

# The optimised build with warnings as errors: -O2 finds format truncations -O0 does not.
build-release:
	cmake --preset release >/dev/null
	cmake --build build-release -j $(JOBS)

test-asan:
	@scripts/deps.sh test
	cmake --preset asan >/dev/null
	cmake --build build-asan -j $(JOBS)
	cd build-asan && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 ctest --output-on-failure -j 2

bench: build
	@scripts/deps.sh bench
	bash bench/run.sh

bench-cluster: build
	@scripts/deps.sh bench-cluster
	bash bench/cluster.sh

bench-mapping:
	bash bench/mapping.sh

fuzz:
	@scripts/deps.sh test
	cmake --preset fuzz >/dev/null
	cmake --build build-fuzz -j $(JOBS)
	@for t in build-fuzz/fuzz/fuzz_*; do case $$t in *_replay) continue;; esac; \
	    name=$${t##*/fuzz_}; mkdir -p build-fuzz/corpus/$$name; \
	    $$t -max_total_time=$(FUZZ_SECONDS) build-fuzz/corpus/$$name fuzz/corpus/$$name || exit 1; done

check-deep: fuzz

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

lint:
	clang-format --dry-run -Werror $$(git ls-files '*.c' '*.h')

clean:
	rm -rf build build-asan build-release build-fuzz
