"""`lrtk export --format gguf`: a ModelSource as a GGUF file that llama.cpp (llama-cli,
llama-server, llama-cpp-python, Ollama, LM Studio...) loads as it is.

Llama and Mistral checkpoints become llama.cpp's `llama` architecture, Qwen2 its `qwen2`.
The header carries what llama.cpp's converter writes for them; the tokenizer travels as
`tokenizer.ggml.*` keys (gguf_vocab.py); tensors get ggml names and types (gguf_quant.py).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from lrtk.errors import DataError, param
from lrtk.export.gguf_quant import gguf_type, quantize, require_gguf
from lrtk.export.gguf_vocab import add_vocab
from lrtk.export.source import ModelSource
from lrtk.io import atomic_output
from lrtk.io.progress import progress, warn

ARCHITECTURES = {"llama": "llama", "mistral": "llama", "qwen2": "qwen2"}
# ggml type of the linear layers -> general.file_type (llama.cpp's LLAMA_FTYPE_*).
FILE_TYPES = {"F32": "ALL_F32", "F16": "MOSTLY_F16", "Q8_0": "MOSTLY_Q8_0",
              "Q4_0": "MOSTLY_Q4_0", "Q2_K": "MOSTLY_Q2_K", "TQ2_0": "MOSTLY_TQ2_0",
              "TQ1_0": "MOSTLY_TQ1_0"}


@dataclass
class GGUFSpec:
    """ggml types: bits for the linear layers, embed for token_embd (and a tied head), head
    for an untied output.weight. Defaults: f16 (f32 for an f32 export)."""

    bits: str = "Q4_0"
    head: str | None = None
    embed: str | None = None

    def __post_init__(self):
        self.bits = gguf_type(self.bits, "bits")
        wide = "F32" if self.bits == "F32" else "F16"
        self.embed = gguf_type(self.embed or wide, "embed")
        self.head = self.bits if self.head == "same" else gguf_type(self.head or wide, "head")


def llama_arch(source: ModelSource, where: str) -> str:
    model_type = source.meta.get("model_type")
    if model_type not in ARCHITECTURES:
        raise DataError(f"model_type {model_type} has no llama.cpp architecture here", path=where,
                        hint=f"{param('format')} gguf reads " + ", ".join(ARCHITECTURES))
    return ARCHITECTURES[model_type]


def permute_qk(w: np.ndarray, heads: int) -> np.ndarray:
    """HF Llama checkpoints rotate q/k halves (rotate_half); llama.cpp's `llama` architecture
    rotates adjacent pairs (as Meta's original weights). Reordering each head's rows from
    [x0..x(d/2-1), y0..] to [x0, y0, x1, y1, ...] makes both compute the same attention.
    Works on weights (rows) and biases alike."""
    return w.reshape(heads, 2, w.shape[0] // heads // 2, *w.shape[1:]).swapaxes(1, 2) \
        .reshape(w.shape)


def hf_to_gguf_name(gguf, arch: str, n_layers: int, name: str) -> str:
    """ggml's tensor name for an HF one (model.layers.3.self_attn.q_proj.weight ->
    blk.3.attn_q.weight), from the gguf package's own table."""
    table = gguf.get_tensor_name_map(gguf.MODEL_ARCH[arch.upper()], n_layers)
    mapped = table.get_name(name, try_suffixes=(".weight", ".bias"))
    if mapped is None:
        raise DataError(f"no GGUF name for tensor {name}")
    return mapped


def permuted(arch: str, config: dict, name: str, w: np.ndarray) -> np.ndarray:
    """The tensor as llama.cpp's architecture expects it (q/k rows reordered for `llama`;
    qwen2 keeps HF's rotate_half layout, which llama.cpp runs as NEOX RoPE)."""
    if arch != "llama":
        return w
    if ".q_proj." in name:
        return permute_qk(w, config["n_heads"])
    if ".k_proj." in name:
        return permute_qk(w, config["n_kv_heads"])
    return w


def write_gguf(writer, out: str | os.PathLike) -> None:
    """Header, keys and tensors into `out`, atomically (temporary file, then rename)."""
    gguf = require_gguf()
    with atomic_output(out, binary=True) as fh:
        # GGUFWriter opens its file by path; hand it our temporary file instead, in the
        # state it would be in after opening one.
        writer.fout, writer.state = [fh], gguf.WriterState.EMPTY
        writer.write_header_to_file()
        writer.write_kv_data_to_file()
        writer.write_tensors_to_file()
        writer.fout = None


def _rope(writer, gguf, arch: str, source: ModelSource, where: str) -> np.ndarray | None:
    """RoPE keys; returns rope_freqs (llama3 scaling) when the frequencies need a tensor."""
    c, scaling = source.config, source.meta.get("rope_scaling") or {}
    rope_type = scaling.get("rope_type", scaling.get("type", "default"))
    writer.add_rope_freq_base(float(source.meta.get("rope_theta", 10000.0)))
    writer.add_rope_dimension_count(c["head_dim"])
    if rope_type == "default":
        return None
    if rope_type == "linear":
        writer.add_rope_scaling_type(gguf.RopeScalingType.LINEAR)
        writer.add_rope_scaling_factor(float(scaling["factor"]))
        return None
    if rope_type == "llama3" and arch == "llama":
        # llama.cpp divides each frequency by rope_freqs[i]: the factors that turn the
        # plain frequencies into the ones transformers computed for this config.
        dims = np.arange(0, c["head_dim"], 2, dtype=np.float64) / c["head_dim"]
        plain = 1.0 / float(source.meta.get("rope_theta", 10000.0)) ** dims
        return (plain / source.inv_freq.astype(np.float64)).astype(np.float32)
    raise DataError(f"rope_scaling {rope_type} is not written to GGUF here", path=where,
                    hint="GGUF export handles default, linear and (llama) llama3 RoPE")


def export_gguf(source: ModelSource, out: str | os.PathLike, spec: GGUFSpec,
                max_seq_len: int | None = None) -> dict:
    """Write the GGUF file atomically; returns a summary for the report."""
    gguf = require_gguf()
    where = str(source.meta.get("source"))
    arch = llama_arch(source, where)
    c = source.config
    if any(0 < w < (max_seq_len or c["max_seq_len"]) for w in source.layer_window):
        warn("llama.cpp's llama/qwen2 architectures have no sliding window: outputs match "
             f"only within the first {min(w for w in source.layer_window if w)} tokens")
    writer = gguf.GGUFWriter(None, arch, use_temp_file=True)
    writer.add_type(gguf.GGUFType.MODEL)
    writer.add_name(Path(where).name)
    writer.add_context_length(max_seq_len or c["max_seq_len"])
    writer.add_embedding_length(c["dim"])
    writer.add_block_count(c["n_layers"])
    writer.add_feed_forward_length(c["hidden_dim"])
    writer.add_head_count(c["n_heads"])
    writer.add_head_count_kv(c["n_kv_heads"])
    if c["head_dim"] != c["dim"] // c["n_heads"]:
        writer.add_key_length(c["head_dim"])
        writer.add_value_length(c["head_dim"])
    writer.add_layer_norm_rms_eps(c["norm_eps"])
    writer.add_vocab_size(c["vocab_size"])
    writer.add_file_type(gguf.LlamaFileType[FILE_TYPES[spec.bits]])
    writer.add_quantization_version(gguf.GGML_QUANT_VERSION)
    rope_freqs = _rope(writer, gguf, arch, source, where)
    if source.blobs or not where.startswith("random:"):
        add_vocab(writer, source.blobs, c, where)
    else:  # --random-config (benchmarks): llama.cpp fills llama.vocab_size dummy tokens
        writer.add_tokenizer_model("none")

    if rope_freqs is not None:
        writer.add_tensor(gguf.TENSOR_NAMES[gguf.MODEL_TENSOR.ROPE_FREQS] + ".weight", rope_freqs)
    # A tied head is token_embd itself: llama.cpp uses it when output.weight is absent.
    for name in progress(source.names, desc="export", total=len(source.names), unit="tensor"):
        w = permuted(arch, c, name, source.get(name))
        if name == "model.embed_tokens.weight":
            type_name = spec.embed
        elif name == "lm_head.weight":
            type_name = spec.head
        elif w.ndim == 2:
            type_name = spec.bits
        else:
            type_name = "F32"  # norms and biases: llama.cpp computes them in f32
        data, qtype = quantize(name, w, type_name)
        writer.add_tensor(hf_to_gguf_name(gguf, arch, c["n_layers"], name), data, raw_dtype=qtype)
    write_gguf(writer, out)
    return {"output": str(out), "bytes": os.path.getsize(out),
            "tensors": len(source.names) + (rope_freqs is not None), "source": where}

