# lrtk developer entry points. `make test` and `make demo` set everything up from scratch.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
LRTK := $(VENV)/bin/lrtk
STAMP := $(VENV)/.setup-stamp
OUT ?= out

.PHONY: setup test demo bench native-test llamacpp clean setup-fairseq2 test-fairseq2

setup: $(STAMP)

# Re-run setup when the package definition or the native build changes, its sources included:
# the venv's lrtk/_native is compiled at install time, and without them here an edited kernel
# left `make test` loading the old library (a missing symbol failed 600 tests).
NATIVE_SOURCES := $(wildcard native/src/*.c native/src/*.h native/include/*.h)
$(STAMP): pyproject.toml constraints.txt CMakeLists.txt native/CMakeLists.txt scripts/setup-system.sh $(NATIVE_SOURCES)
	./scripts/setup-system.sh
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -c constraints.txt -e '.[dev]'
	touch $@

test: setup native-test llamacpp
	$(PY) -m pytest -q -n 2 --dist loadfile --durations=30 tests
	$(MAKE) test-fairseq2

# C unit tests of the native kernels: the host build (scalar + AVX2), then the aarch64 cross
# build (scalar + NEON) run under qemu-aarch64 (packages from scripts/setup-system.sh).
NATIVE_TEST_FLAGS := -DLRTK_NATIVE_TESTS=ON -DCMAKE_BUILD_TYPE=Release
native-test:
	cmake -S . -B build/native-test $(NATIVE_TEST_FLAGS) >/dev/null
	cmake --build build/native-test -j 2 >/dev/null
	ctest --test-dir build/native-test/native --output-on-failure
	cmake -S . -B build/native-aarch64 $(NATIVE_TEST_FLAGS) \
	  -DCMAKE_TOOLCHAIN_FILE=native/cmake/aarch64-linux-gnu.cmake >/dev/null
	cmake --build build/native-aarch64 -j 2 >/dev/null
	ctest --test-dir build/native-aarch64/native --output-on-failure

# llama.cpp's libllama under the llama-cpp-python bindings, for tests/test_gguf.py: built once
# from the llama-cpp-python sdist into build/llamacpp (11.5 minutes on 2 cores), then cached.
LLAMACPP_STAMP := build/llamacpp/.bindings-stamp

llamacpp: $(LLAMACPP_STAMP)

$(LLAMACPP_STAMP): benchmarks/llamacpp_setup.sh $(STAMP)
	PYTHON=$(PY) JOBS=2 benchmarks/llamacpp_setup.sh --bindings build/llamacpp
	touch $@

# fairseq2 0.8 pins torch==2.9.1 (the main venv has a newer torch), so it gets its own venv.
# lrtk itself is imported from the checkout (PYTHONPATH): its core needs no native build.
FS2_VENV := .venv-fairseq2
FS2_PY := $(FS2_VENV)/bin/python
FS2_STAMP := $(FS2_VENV)/.setup-stamp

setup-fairseq2: $(FS2_STAMP)

$(FS2_STAMP): pyproject.toml scripts/setup-system.sh
	./scripts/setup-system.sh
	test -x $(FS2_PY) || $(PYTHON) -m venv $(FS2_VENV)
	$(FS2_PY) -m pip install -q --upgrade pip
	$(FS2_PY) -c "import tomllib; print('\\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" >$(FS2_VENV)/core-requirements.txt
	$(FS2_PY) -m pip install -q 'fairseq2>=0.8,<0.9' 'torch==2.9.1' 'pytest>=8' -r $(FS2_VENV)/core-requirements.txt
	# `lrtk train --backend fairseq2` also needs the training stack (not adapters).
	$(FS2_PY) -m pip install -q 'torch==2.9.1' 'transformers==4.57.6' 'accelerate>=1.0' 'protobuf>=3.20'
	touch $@

test-fairseq2: setup-fairseq2
	PYTHONPATH=$(CURDIR) $(FS2_PY) -m pytest -q -p no:cacheprovider tests/fairseq2

# The demo is the bn-en pipeline on the bundled TICO-19 documents (samples/tico19-bn-en),
# from raw documents to a quantized model running natively; it ends with the summary table.
demo: bn-en

include pipelines/pipeline.mk

# Every benchmarks/bench_*.py runs its own baseline in the same invocation and writes
# bench-results/<name>.md (+ .json); the tables are printed as they finish.
bench: setup
	@mkdir -p bench-results
	@set -e; for b in benchmarks/bench_*.py; do echo "== $$b"; $(PY) $$b --out bench-results; done

clean:
	rm -rf build $(OUT) bench-results
