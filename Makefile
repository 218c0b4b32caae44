# Thin wrapper over CMake. `make demo` runs the main job, `make test` runs every test.
# Both install what they need first (apt packages), so they work on a fresh Debian machine.
BUILD      ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
TSAN_BUILD ?= build-tsan
JOBS       ?= $(shell nproc)
FUZZ_SECONDS ?= 20
DEMO_NAME  ?= demo-$(shell date +%s)-$$$$
DEMO_SECONDS ?= 10

APT_PACKAGES := build-essential cmake clang libclang-rt-14-dev doxygen abigail-tools python3 python3-venv strace swig
VENV       ?= .venv
PY         := $(VENV)/bin/python
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: all deps venv build test test-c test-asan test-tsan test-fuzz test-python test-xlang demo demo-c bench bench-python abi-baseline clean
.PHONY: test-julia julia-bindings

all: build

# Installs missing tools only (cheap when everything is present).
deps:
	@missing=""; \
	for t in cmake cc clang doxygen abidw abidiff python3 strace swig; do command -v $$t >/dev/null 2>&1 || missing="$$missing $$t"; done; \
	[ -e /usr/lib/llvm-14/lib/clang/14.0.6/lib/linux/libclang_rt.fuzzer-x86_64.a ] || missing="$$missing libclang-rt"; \
	if [ -n "$$missing" ]; then \
	  echo "deps: installing (missing:$$missing)"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $(APT_PACKAGES) >/dev/null; \
	fi

# The Python virtual environment with pinned tools (requirements-dev.txt); rebuilt when that changes.
venv: $(VENV)/.stamp
$(VENV)/.stamp: requirements-dev.txt | deps
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip
	$(VENV)/bin/pip install -q -r requirements-dev.txt
	touch $@

build: deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo
	cmake --build $(BUILD) -j$(JOBS)

# Everything: build + docs (warnings are errors), C tests, ABI/doc sync checks, the same C suite
# under ASan+UBSan, and a libFuzzer smoke run of the header validator.
test: build test-c test-asan test-tsan test-fuzz test-python test-xlang test-julia test-rust
	@echo "make test: all suites passed"

# The Rust crate's tests (sync with the header, safe API, cross-language with the C peer).
.PHONY: test-rust
test-rust: build
	cd bindings/rust && SHMHUB_LIB_DIR=$(abspath $(BUILD)) cargo test --offline

test-c: build
	cd $(BUILD) && ctest --output-on-failure -j$(JOBS) -LE xlang

# (The syscall-count test runs only in the optimised build: strace and ASan do not mix.)
test-asan: deps
	cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DSHMHUB_SANITIZE=ON -DSHMHUB_DOCS=OFF
	cmake --build $(ASAN_BUILD) -j$(JOBS)
	cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  ctest --output-on-failure -j$(JOBS) -R 'unit_|cli_' -E 'syscalls'

# The C unit tests (threads, streams across processes) under ThreadSanitizer.
test-tsan: deps
	cmake -S . -B $(TSAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DSHMHUB_DOCS=OFF -DCMAKE_C_FLAGS="-fsanitize=thread -O1" \
	  -DCMAKE_EXE_LINKER_FLAGS=-fsanitize=thread -DCMAKE_SHARED_LINKER_FLAGS=-fsanitize=thread
	cmake --build $(TSAN_BUILD) -j$(JOBS)
	cd $(TSAN_BUILD) && TSAN_OPTIONS=halt_on_error=1 ctest --output-on-failure -j$(JOBS) -R 'unit_'

test-fuzz: deps
	cmake -S . -B $(FUZZ_BUILD) -DCMAKE_C_COMPILER=clang -DSHMHUB_FUZZ=ON -DSHMHUB_DOCS=OFF -DBUILD_TESTING=OFF
	cmake --build $(FUZZ_BUILD) -j$(JOBS) --target fuzz_validate
	FUZZ_SECONDS=$(FUZZ_SECONDS) bash tests/fuzz/run.sh $(FUZZ_BUILD)

# Python: builds and installs the SWIG module into the venv (as a user would, with pip), then
# runs pytest (SHMHUB_BUILD points the cross-language tests at the C peer programs).
test-python: venv build
	$(VENV)/bin/pip install -q ./bindings/python
	SHMHUB_BUILD=$(abspath $(BUILD)) $(PY) -m pytest -q --import-mode=importlib -p no:cacheprovider bindings/python/tests

# Julia bindings: regenerate LibShmHub.jl from the header; validate statically (no Julia runtime
# here): golden diff, tree-sitter syntax, libclang semantic check, mutation tests. docs/julia.md.
julia-bindings: venv
	$(PY) bindings/julia/gen/generate.py

test-julia: venv
	PY=$(PY) bash bindings/julia/gen/run_checks.sh

# The cross-language matrix: C, Python and Rust peers write and read each other's segments.
test-xlang: test-python
	cd bindings/rust && SHMHUB_LIB_DIR=$(abspath $(BUILD)) cargo build -q --offline --release --example xlang_peer
	cd $(BUILD) && ctest --output-on-failure -j$(JOBS) -L xlang

# The main job: the live multi-language demo (examples/demo/run_demo.py): a C producer, a Python
# consumer and a Rust service on the same named segments, watched live; DEMO_SECONDS sets its length.
demo: build venv
	$(VENV)/bin/pip install -q ./bindings/python
	cd bindings/rust && SHMHUB_LIB_DIR=$(abspath $(BUILD)) cargo build -q --offline --release --example demo_service
	$(PY) examples/demo/run_demo.py --build $(BUILD) --seconds $(DEMO_SECONDS) \
	  --service bindings/rust/target/release/examples/demo_service

# The first example: one process creates a segment and fills two arrays, another opens it by name.
demo-c: build
	@name=$(DEMO_NAME); \
	trap "$(BUILD)/shmhub unlink $$name >/dev/null 2>&1 || true" EXIT INT TERM; \
	$(BUILD)/example_producer $$name && \
	$(BUILD)/shmhub info $$name && \
	$(BUILD)/example_consumer $$name --unlink

bench: build
	$(BUILD)/bench_open
	$(BUILD)/bench_create
	$(BUILD)/stream_bench

# SharedDict / MemoryPool vs lmdb, UltraDict, shared-memory-dict, Manager().dict(); writes
# bench/results/containers_bench.{md,png}.
.PHONY: bench-containers
bench-containers: venv
	$(VENV)/bin/pip install -q ./bindings/python
	$(PY) bench/containers_bench.py

# Python vs pyshmem vs multiprocessing.shared_memory vs np.copyto; writes bench/results/.
bench-python: venv
	$(VENV)/bin/pip install -q ./bindings/python
	$(PY) bench/python_bench.py

# Regenerates the checked-in ABI baseline and symbol list after an intended, compatible change.
abi-baseline: build
	bash tests/abi/abi_tool.sh baseline . $(BUILD)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(TSAN_BUILD) $(FUZZ_BUILD) $(VENV)
