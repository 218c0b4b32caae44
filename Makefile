# Thin wrapper over CMake. `make demo` runs the main job, `make test` runs every test.
# Both install what they need first (apt packages), so they work on a fresh Debian machine.
BUILD      ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
TSAN_BUILD ?= build-tsan
JOBS       ?= $(shell nproc)
FUZZ_SECONDS ?= 15
DEMO_NAME  ?= demo-$(shell date +%s)-$$$$
DEMO_SECONDS ?= 10

APT_PACKAGES := build-essential cmake clang libclang-rt-14-dev doxygen abigail-tools python3 python3-venv strace swig \
                pkg-config libzmq3-dev iproute2 libopenblas-dev spin liblmdb-dev
VENV       ?= .venv
PY         := $(VENV)/bin/python
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: all deps venv build test test-c test-asan test-tsan test-fuzz test-python test-xlang demo demo-c bench bench-python abi-baseline clean
.PHONY: test-julia julia-bindings fuzz-build fuzz-long test-long model soak

all: build

# Installs missing tools only (cheap when everything is present).
deps:
	@missing=""; \
	for t in cmake cc clang doxygen abidw abidiff python3 strace swig spin; do command -v $$t >/dev/null 2>&1 || missing="$$missing $$t"; done; \
	[ -e /usr/lib/llvm-14/lib/clang/14.0.6/lib/linux/libclang_rt.fuzzer-x86_64.a ] || missing="$$missing libclang-rt"; \
	[ -e /usr/include/x86_64-linux-gnu/cblas.h ] || [ -e /usr/include/cblas.h ] || missing="$$missing libopenblas-dev"; \
	pkg-config --exists libzmq 2>/dev/null || missing="$$missing libzmq3-dev"; \
	[ -e /usr/include/lmdb.h ] || missing="$$missing liblmdb-dev"; \
	command -v ip >/dev/null 2>&1 || [ -x /usr/sbin/ip ] || missing="$$missing iproute2"; \
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
test: build test-c test-asan test-tsan test-fuzz test-python test-xlang test-julia test-rust test-gpu
	@echo "make test: all suites passed"

# The Rust crate's tests (sync with the header, safe API, cross-language with the C peer).
.PHONY: test-rust
test-rust: build
	cd bindings/rust && SHMHUB_LIB_DIR=$(abspath $(BUILD)) cargo test --offline
	@if [ -e $(BUILD)/cuda/libshmhub_cuda.so ]; then cd bindings/rust && SHMHUB_LIB_DIR=$(abspath $(BUILD)) cargo test --offline --features cuda --test cuda; \
	else echo "test-rust: SKIP feature cuda: libshmhub_cuda was not built (no CUDA toolkit)"; fi

test-c: build
	cd $(BUILD) && ctest --output-on-failure -j$(JOBS) -LE 'xlang|gpu'

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

# libFuzzer smoke runs of every target (validator, open of every kind, CLI parser, layout builder),
# FUZZ_SECONDS each, from the committed corpora (tests/fuzz/corpus*).
fuzz-build: deps
	cmake -S . -B $(FUZZ_BUILD) -DCMAKE_C_COMPILER=clang -DSHMHUB_FUZZ=ON -DSHMHUB_DOCS=OFF -DBUILD_TESTING=OFF
	cmake --build $(FUZZ_BUILD) -j$(JOBS) --target fuzz_all

test-fuzz: fuzz-build
	FUZZ_SECONDS=$(FUZZ_SECONDS) bash tests/fuzz/run.sh $(FUZZ_BUILD)

# 10 M executions per target (FUZZ_TARGETS to choose) with a figures table (docs/reliability.md).
FUZZ_RUNS ?= 10000000
FUZZ_TARGETS ?= fuzz_validate fuzz_open fuzz_cli fuzz_layout
fuzz-long: fuzz-build
	FUZZ_RUNS=$(FUZZ_RUNS) bash tests/fuzz/run.sh $(FUZZ_BUILD) $(FUZZ_TARGETS)

# The full crash campaigns (streams; dict and pool kills; synched dead workers), the hostile tests
# (streams and containers) with extreme values and the long model check
# (tests/crash/long.sh; figures in docs/reliability.md). Not part of `make test`.
test-long: build
	bash tests/crash/long.sh $(BUILD)

# The spin model of the stream protocol (also ctest model_stream in make test).
model: deps
	bash tests/model/run.sh

# The demo topology for SOAK_SECONDS (default 600) with random kills and restarts of every
# consumer and of the producer; RSS, fds and /dev/shm entries must stay flat. Not in make test.
SOAK_SECONDS ?= 600
soak: build venv
	$(VENV)/bin/pip install -q ./bindings/python
	cd bindings/rust && SHMHUB_LIB_DIR=$(abspath $(BUILD)) cargo build -q --offline --release --example demo_service
	$(PY) tests/soak/soak.py --build $(BUILD) --seconds $(SOAK_SECONDS) \
	  --service bindings/rust/target/release/examples/demo_service

# Python: builds and installs the SWIG module into the venv (as a user would, with pip), then
# runs pytest (SHMHUB_BUILD points the cross-language tests at the C peer programs).
test-python: venv build
	$(VENV)/bin/pip install -q ./bindings/python
	SHMHUB_BUILD=$(abspath $(BUILD)) $(PY) -m pytest -q --import-mode=importlib -p no:cacheprovider bindings/python/tests

# Julia bindings: regenerate LibShmHub.jl from the header; validate statically (no Julia runtime
# here): golden diff, tree-sitter syntax, libclang semantic check, mutation tests. docs/julia.md.
julia-bindings: venv
	$(PY) bindings/julia/gen/generate.py
	SHMHUB_JL_TARGET=cuda $(PY) bindings/julia/gen/generate.py

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

# The C benchmarks; the stream table is also written to bench/results/stream_bench.txt.
bench: build
	$(BUILD)/bench_open
	$(BUILD)/bench_create
	$(BUILD)/stream_bench >bench/results/stream_bench.txt.new
	mv bench/results/stream_bench.txt.new bench/results/stream_bench.txt
	cat bench/results/stream_bench.txt

# SharedDict / MemoryPool vs lmdb, UltraDict, shared-memory-dict, Manager().dict(); writes
# bench/results/containers_bench.{md,png}; then the C bench (vs LMDB's C API and a robust-mutex
# hash table) writes bench/results/containers_bench_c.md.
.PHONY: bench-containers
bench-containers: venv build
	$(VENV)/bin/pip install -q ./bindings/python
	$(PY) bench/containers_bench.py
	@if [ -x $(BUILD)/containers_bench ]; then \
	  $(BUILD)/containers_bench >bench/results/containers_bench_c.md.new && \
	  mv bench/results/containers_bench_c.md.new bench/results/containers_bench_c.md && \
	  cat bench/results/containers_bench_c.md; \
	else echo "bench-containers: SKIP the C bench: containers_bench was not built (no liblmdb-dev)"; fi

# Python vs iceoryx2, pyshmem and multiprocessing.shared_memory; writes bench/results/.
bench-python: venv
	$(VENV)/bin/pip install -q ./bindings/python
	$(PY) bench/python_bench.py

# The compute examples (examples/compute/, docs/examples.md): `make example-sharpe` and so on;
# ARGS passes options (`make example-synched_fib ARGS=--one-barrier`, `ARGS=--small`).
COMPUTE_EXAMPLES := square two_arrays sharpe pipeline synched_fib ferris
.PHONY: $(addprefix example-,$(COMPUTE_EXAMPLES)) bench-compute
$(addprefix example-,$(COMPUTE_EXAMPLES)): example-%: build venv
	$(VENV)/bin/pip install -q ./bindings/python
	SHMHUB_BUILD=$(abspath $(BUILD)) $(PY) examples/compute/$*.py $(ARGS)

# SynchedMemory cycle time vs pthread and multiprocessing barriers; writes bench/results/compute_bench.*
bench-compute: build venv
	$(VENV)/bin/pip install -q ./bindings/python
	$(PY) bench/compute_bench.py --c-bench $(BUILD)/compute_bench
# shmhub bridge over a veth pair between two network namespaces vs a plain pyzmq PUB/SUB loop
# (64 B / 40 KB / 4 MB frames; root needed for the namespaces); writes bench/results/bridge.md.
.PHONY: bench-bridge
bench-bridge: build venv
	$(PY) bench/bridge_bench.py --build $(BUILD)

# Regenerates the checked-in ABI baseline and symbol list after an intended, compatible change.
abi-baseline: build
	bash tests/abi/abi_tool.sh baseline . $(BUILD)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(TSAN_BUILD) $(FUZZ_BUILD) $(VENV)

# CUDA (docs/cuda.md). The test-double suite (unit_cuda_double) runs in test-c/asan/tsan; these are
# the real-GPU tests: the C suite (ctest label gpu) and the Python suite (tests/cuda, with torch and
# cupy from $(GPU_PY)). Without a GPU, nvcc, torch or cupy each part says why it skips.
GPU_PY ?= python3
GPU_PYDIR = $(abspath $(BUILD))/gpu-python
.PHONY: test-gpu bench-gpu
test-gpu: build
	@if [ -e $(BUILD)/tests/cuda/gpu_peer ]; then cd $(BUILD) && ctest -V -L gpu; \
	else echo "test-gpu: SKIP the C GPU tests: libshmhub_cuda or nvcc was not found at configure time"; fi
	@if [ ! -e $(BUILD)/tests/cuda/gpu_peer ]; then echo "test-gpu: SKIP the Python GPU tests (no gpu_peer)"; \
	elif ! $(GPU_PY) -c "import torch, cupy" 2>/dev/null; then echo "test-gpu: SKIP the Python GPU tests: $(GPU_PY) lacks torch or cupy"; \
	else $(GPU_PY) -m pip install -q --no-build-isolation --no-deps --upgrade --target $(GPU_PYDIR) ./bindings/python && \
	  PYTHONPATH=$(GPU_PYDIR) SHMHUB_CUDA_LIBRARY=$(abspath $(BUILD))/cuda/libshmhub_cuda.so.1 \
	  SHMHUB_GPU_PEER=$(abspath $(BUILD))/tests/cuda/gpu_peer $(GPU_PY) -m pytest -v -rs -p no:cacheprovider tests/cuda; fi

# Cross-process hand-off, same-process write+read, H2D: bench/results/gpu_bench.{md,csv,png}.
bench-gpu: build venv
	$(BUILD)/cuda/gpu_bench --csv bench/results/gpu_bench.csv | tee bench/results/gpu_bench.md
	$(PY) bench/gpu_plot.py bench/results/gpu_bench.csv bench/results/gpu_bench.png
