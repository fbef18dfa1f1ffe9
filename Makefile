# authguard: the two commands of the README, and a few more for developers.
#   make demo   install dependencies, build, run the demo on embedded defaults
#   make test   install dependencies, build, run every test through ctest
BUILD ?= build
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?= -DAUTHGUARD_WERROR=ON -DAUTHGUARD_ASSERTIONS=ON

.PHONY: all bootstrap build demo test bench fuzz clean

all: build

bootstrap:
	@sh scripts/bootstrap all

$(BUILD)/CMakeCache.txt:
	cmake -S . -B $(BUILD) $(CMAKE_FLAGS)

build: bootstrap $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS)

# The demo needs only the program and its build dependencies, not the tests.
demo:
	@sh scripts/bootstrap build
	@$(MAKE) --no-print-directory $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS) --target authguard_cli
	$(BUILD)/authguard demo

test: build
	ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS)

# Benchmarks need an optimised build without assertions.
bench: bootstrap
	cmake -S . -B build-release -DCMAKE_BUILD_TYPE=Release -DAUTHGUARD_TESTS=OFF -DAUTHGUARD_BENCH=ON
	cmake --build build-release -j $(JOBS)

# libFuzzer targets, with clang 16 (Debian's clang-16 package).
fuzz:
	@sh scripts/bootstrap fuzz
	CXX=clang++-16 cmake -S . -B build-fuzz -DAUTHGUARD_FUZZ=ON -DAUTHGUARD_TESTS=OFF
	cmake --build build-fuzz -j $(JOBS)

clean:
	rm -rf $(BUILD) build-release build-fuzz
