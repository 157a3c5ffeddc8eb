#!/usr/bin/env bash
# Prepares the llama.cpp side of compare_llamacpp.py: builds llama-bench and llama-quantize from
# the llama-cpp-python source package (it vendors llama.cpp; the pip registry is reachable where
# GitHub may not be) and writes TinyLlama-1.1B-shaped random models as Q4_0, Q2_K and TQ2_0 GGUF
# files, the formats of the runtime issue's llama.cpp figures.
#
#   benchmarks/llamacpp_setup.sh [DIR]      # default build/llamacpp; about 10 minutes on 2 cores
#
# With --bindings it builds only libllama (shared) and puts it where the sdist's llama_cpp
# package loads it from, so `PYTHONPATH=DIR/llama_cpp_python-VERSION` gives tests/test_gguf.py
# llama.cpp's own loader, tokenizer and forward pass (`make llamacpp`, called by `make test`;
# 11.5 minutes on the 2-core VM with -j2).
#
# The tokenizer only has to exist (decode speed does not depend on it): TOKENIZER names a
# sentencepiece model, by default the one `make demo` trains.
set -euo pipefail

BINDINGS=0
if [ "${1:-}" = --bindings ]; then BINDINGS=1; shift; fi
DIR=${1:-build/llamacpp}
PY=${PYTHON:-.venv/bin/python}
VERSION=${LLAMA_CPP_PYTHON_VERSION:-0.3.36}
TOKENIZER=${TOKENIZER:-out/bn-en/lm/tokenizer.model}
mkdir -p "$DIR"
DIR=$(cd "$DIR" && pwd)

SRC="$DIR/llama_cpp_python-$VERSION/vendor/llama.cpp"
if [ ! -d "$SRC" ]; then
  "$PY" -m pip download --no-deps --no-binary :all: "llama-cpp-python==$VERSION" -d "$DIR" -q
  tar xzf "$DIR/llama_cpp_python-$VERSION.tar.gz" -C "$DIR"
fi

if [ "$BINDINGS" = 1 ]; then
  LIB="$DIR/llama_cpp_python-$VERSION/llama_cpp/lib"
  if [ ! -f "$LIB/libllama.so" ]; then
    cmake -S "$SRC" -B "$DIR/libbuild" -DCMAKE_BUILD_TYPE=Release -DBUILD_SHARED_LIBS=ON \
      -DGGML_NATIVE=ON -DLLAMA_CURL=OFF -DLLAMA_OPENSSL=OFF -DLLAMA_BUILD_COMMON=OFF \
      -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_TOOLS=OFF -DLLAMA_BUILD_EXAMPLES=OFF \
      -DLLAMA_BUILD_SERVER=OFF -DLLAMA_BUILD_APP=OFF >/dev/null
    cmake --build "$DIR/libbuild" -j "${JOBS:-2}" --target llama >/dev/null
    mkdir -p "$LIB"
    cp -a "$DIR"/libbuild/bin/lib*.so* "$LIB/"
  fi
  exit 0
fi

[ -f "$TOKENIZER" ] || { echo "llamacpp_setup: $TOKENIZER: no tokenizer (run make demo, or set TOKENIZER)" >&2; exit 2; }
BIN="$SRC/build/bin"
if [ ! -x "$BIN/llama-bench" ]; then
  cmake -S "$SRC" -B "$SRC/build" -DCMAKE_BUILD_TYPE=Release -DGGML_NATIVE=ON -DLLAMA_CURL=OFF \
    -DLLAMA_OPENSSL=OFF -DLLAMA_BUILD_SERVER=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF >/dev/null
  cmake --build "$SRC/build" -j "$(nproc)" --target llama-bench llama-quantize >/dev/null
fi

if [ ! -f "$DIR/tl-TQ2_0.gguf" ]; then
  # The shape of `lrtk export --random-config tinyllama`, written as an f16 HF checkpoint.
  "$PY" - "$DIR/tl-hf" "$TOKENIZER" <<'EOF'
import shutil, sys
import torch
from transformers import LlamaConfig, LlamaForCausalLM
from lrtk.export.source import PRESETS

out, tokenizer = sys.argv[1], sys.argv[2]
cfg = {k: v for k, v in PRESETS["tinyllama"].items() if k not in ("architectures", "model_type")}
torch.manual_seed(0)
LlamaForCausalLM(LlamaConfig(**cfg)).to(torch.float16).save_pretrained(out)
shutil.copy(tokenizer, f"{out}/tokenizer.model")
EOF
  PYTHONPATH="$SRC/gguf-py" "$PY" "$SRC/convert_hf_to_gguf.py" "$DIR/tl-hf" --outtype f16 \
    --outfile "$DIR/tl-f16.gguf" >/dev/null 2>&1
  for q in Q4_0 Q2_K TQ2_0; do
    "$BIN/llama-quantize" "$DIR/tl-f16.gguf" "$DIR/tl-$q.gguf" "$q" 2 >/dev/null 2>&1
  done
  rm -rf "$DIR/tl-hf" "$DIR/tl-f16.gguf"
fi
echo "python benchmarks/compare_llamacpp.py --llama-bench $BIN/llama-bench" \
  "--gguf Q4_0=$DIR/tl-Q4_0.gguf --gguf Q2_K=$DIR/tl-Q2_K.gguf --gguf TQ2_0=$DIR/tl-TQ2_0.gguf --out bench-results"
