"""Base models with adapters: loading, freezing, saving, reloading and merging.

Each function handles one of the library's known traps:
- `train_adapter` freezes only the base model, so heads stay trainable (BERT/XLM-R's MLM
  head transform, Llama's untied lm_head): `freeze_all_but` freezes everything else.
- `save_adapter` with the default `with_head=True` also writes the head, i.e. the tied
  embedding matrix: adapters are saved without it, as safetensors.
- `set_active_adapters` after `merge_adapter` silently un-merges: merging builds a fresh
  model of the original class from the merged weights instead of touching the live one.
- A model is always loaded with its original class (AutoModelForCausalLM/MaskedLM/
  Seq2SeqLM) and then wrapped with `adapters.init`, never from the adapters-wrapped class.
"""

from __future__ import annotations

import contextlib
import copy
import json
import os
from pathlib import Path

from lrtk.errors import UsageError, param
from lrtk.io.checkpoint import check_model_dir, read_json
from lrtk.io.hf_model import check_adapter_dir, load_hf_model, load_hf_tokenizer, loading
from lrtk.tune.methods import is_adapter_parameter

CAUSAL_FAMILIES = ("llama", "mistral", "gpt2", "qwen2")
MASKED_FAMILIES = ("bert", "xlm-roberta")
SEQ2SEQ_FAMILIES = ("t5", "mt5", "mbart", "bart")
# What each kind of model is loaded as (transformers Auto class names).
AUTO_CLASS = {"causal": "AutoModelForCausalLM", "masked": "AutoModelForMaskedLM",
              "seq2seq": "AutoModelForSeq2SeqLM"}
MERGE_NOTE = "lrtk_merge.json"


def require_adapters():
    try:
        import adapters
    except ImportError:
        raise UsageError("tuning needs the 'adapters' package",
                         hint="pip install 'lrtk[train]'") from None
    return adapters


def model_kind(model_path: str | os.PathLike, option: str = param("model")) -> tuple[str, str]:
    """(model_type, kind) from the checkpoint's config.json, without loading weights; kind is
    causal, masked or seq2seq."""
    model_type = check_model_dir(model_path, option)["model_type"]
    for kind, families in (("causal", CAUSAL_FAMILIES), ("masked", MASKED_FAMILIES),
                           ("seq2seq", SEQ2SEQ_FAMILIES)):
        if model_type in families:
            return model_type, kind
    raise UsageError(f"unsupported model type {model_type!r}", path=str(model_path),
                     hint="supported: " + ", ".join(CAUSAL_FAMILIES + MASKED_FAMILIES +
                                                    SEQ2SEQ_FAMILIES))


def load_plain(model_path: str | os.PathLike, option: str = param("model")):
    """The checkpoint with its original class (AUTO_CLASS of its kind)."""
    import transformers

    cls = getattr(transformers, AUTO_CLASS[model_kind(model_path, option)[1]])
    return load_hf_model(model_path, option, cls)


def load_base(model_path: str | os.PathLike, option: str = param("model")):
    """The checkpoint with its original class, adapter-ready (adapters.init) and its tokenizer."""
    adapters = require_adapters()
    model = load_plain(model_path, option)
    tokenizer = load_hf_tokenizer(model_path)
    adapters.init(model)
    return model, tokenizer


@contextlib.contextmanager
def quiet_adapters():
    """Silence the adapters library's "none are activated" warning: train_adapter and
    loading an adapter run a forward context before any adapter is active, and the warning
    is spurious there."""
    import logging

    mixin_log = logging.getLogger("adapters.model_mixin")
    level = mixin_log.level
    mixin_log.setLevel(logging.ERROR)
    try:
        yield
    finally:
        mixin_log.setLevel(level)


def train_only(model, setup, adapter: str, also: list[str] = ()) -> None:
    """Activate `setup` for training and make exactly the parameters of `adapter` (and those
    named in `also`: a task head) trainable (train_adapter alone leaves LM heads trainable,
    see the module docstring)."""
    with quiet_adapters():
        model.train_adapter(setup)
    extra = set(also)
    for name, param in model.named_parameters():
        param.requires_grad = is_adapter_parameter(name, adapter) or name in extra


def save_adapter(model, adapter: str, directory: str | os.PathLike) -> None:
    """Adapter weights (safetensors) and config, never the prediction head or embeddings."""
    model.save_adapter(str(directory), adapter, with_head=False, use_safetensors=True)


def load_adapter(model, directory: str | os.PathLike, name: str, option: str) -> str:
    """The adapter saved in `directory` (which `option` named), added to `model` as `name`."""
    check_adapter_dir(directory, option)
    with loading(directory, "adapter"):
        return model.load_adapter(str(directory), load_as=name, with_head=False,
                                  use_safetensors=True)


def load_tuned(model_path: str | os.PathLike, adapter_dirs: list[str | os.PathLike],
               option: str = param("model"), adapter_option: str = param("adapter")):
    """Base model plus saved adapters, stacked in the given order (language first)."""
    model, tokenizer = load_base(model_path, option)
    from adapters import Stack

    with quiet_adapters():
        names = [load_adapter(model, d, f"adapter{i}", adapter_option)
                 for i, d in enumerate(adapter_dirs)]
        model.set_active_adapters(Stack(*names) if len(names) > 1 else names[0])
    model.eval()
    return model, tokenizer


def write_merged(model, tokenizer, model_path: str | os.PathLike, adapter: str,
                 directory: Path, *, foldable: bool) -> None:
    """A full model directory. LoRA is folded into the weights of a plain model of the
    original class (exportable); bottleneck adapters cannot be folded, so the
    adapters-wrapped model is saved with its adapter and a note saying how to load it."""
    if foldable:
        # Merge a copy: the live model stays an unmerged adapter model the caller can use.
        folded = copy.deepcopy(model)
        folded.merge_adapter(adapter)
        merged = folded.state_dict()
        plain = load_plain(model_path)
        state = plain.state_dict()
        plain.load_state_dict({k: merged[k] for k in state})
        write_plain(plain, tokenizer, model_path, directory, "lora")
        return
    directory.mkdir()  # adapters writes its interface file before save_pretrained does
    model.save_pretrained(directory)
    save_adapter(model, adapter, directory / "adapter")
    _finish(tokenizer, directory, {
        "merged": False, "reason": "bottleneck adapters are extra modules and cannot be "
        "folded into the base weights; only LoRA merges into a plain model that "
        "`lrtk export` accepts",
        "load": "lrtk.tune.load_merged(DIR) (base class + adapters.init + DIR/adapter)"})


def write_plain(model, tokenizer, model_path: str | os.PathLike, directory: Path,
                method: str) -> None:
    """A plain model of the original class (LoRA folded in, or fully fine-tuned), which
    transformers loads as it is and `lrtk export` accepts."""
    model.save_pretrained(directory)
    _finish(tokenizer, directory, {"merged": True, "method": method,
                                   "load": AUTO_CLASS[model_kind(model_path)[1]]})


def _finish(tokenizer, directory: Path, note: dict) -> None:
    tokenizer.save_pretrained(directory)
    (directory / MERGE_NOTE).write_text(json.dumps(note, indent=2) + "\n", encoding="utf-8")


def load_merged(directory: str | os.PathLike):
    """Load a `--merge` output: a plain model, or base + adapter when it could not be folded."""
    note = read_json(Path(directory) / MERGE_NOTE)
    if note["merged"]:
        return load_plain(directory, "load_merged").eval(), load_hf_tokenizer(directory)
    return load_tuned(directory, [Path(directory) / "adapter"], "load_merged", "load_merged")

