"""Loading a user's local Hugging Face model, tokenizer or adapter: the one loader behind
`train --model`, `tune --model`, `generate --model`, `eval --model` and `ppl MODEL_DIR`.

Each load runs after the cheap checks of lrtk.io.checkpoint and turns what transformers,
safetensors, tokenizers or adapters raise about the directory into one DataError naming it.
Their log warnings are silenced while loading: a weight the checkpoint lacks is an error
here, not a warning that the model was partly initialised at random, and the rest (the
tokenizer's "legacy behaviour" notice) would be noise on every run.
"""

from __future__ import annotations

import contextlib
import os
from typing import Iterator

from lrtk.errors import DataError, LrtkError
from lrtk.io.checkpoint import SENTENCEPIECE_FILES, check_files, check_model_dir, require_dir

# The tokenizer files of the model families lrtk loads (fast, sentencepiece, BPE, WordPiece).
TOKENIZER_FILES = ("tokenizer.json", *SENTENCEPIECE_FILES, "vocab.json", "vocab.txt")


def error_summary(err: BaseException) -> str:
    """What a library error says, in one short line: load_state_dict puts its reason (a size
    mismatch) on a later line, a KeyError says only the key, torch's zip reader goes on for
    several sentences."""
    if isinstance(err, KeyError):
        return f"missing key {err}"
    lines = [line.strip() for line in str(err).splitlines() if line.strip()]
    if not lines:
        return type(err).__name__
    line = next((x for x in lines if "mismatch" in x), lines[0])
    if len(line) > 160 and ". " in line[:160]:
        line = line[:line.index(". ") + 1]
    return line if len(line) <= 300 else line[:297] + "..."


@contextlib.contextmanager
def loading(path: str | os.PathLike, what: str) -> Iterator[None]:
    """Quiet library logs; any failure of the block is one DataError about `path`."""
    from transformers.utils import logging as hf_logging

    level = hf_logging.get_verbosity()
    hf_logging.set_verbosity_error()
    try:
        yield
    except LrtkError:
        raise
    # The tokenizers and safetensors bindings raise plain Exception subclasses, and the
    # block only calls a library on the files in `path`: whatever it raises is about them.
    except Exception as err:
        message, hint = f"cannot load the {what}: {error_summary(err)}", None
        if "size mismatch" in message:
            hint = "config.json and the weights come from different models"
        raise DataError(message, path=str(path), hint=hint) from None
    finally:
        hf_logging.set_verbosity(level)


def load_hf_model(path: str | os.PathLike, option: str, cls=None, **kwargs):
    """`cls.from_pretrained(path, **kwargs)` (AutoModelForCausalLM by default) for a directory
    that `option` named, never from the network; a weight the model needs but the directory
    lacks is an error rather than a random initialisation."""
    from transformers import CONFIG_MAPPING, AutoModelForCausalLM

    config = check_model_dir(path, option)
    if config["model_type"] not in CONFIG_MAPPING:
        import transformers

        raise DataError(f"model type {config['model_type']!r} is not one transformers "
                        f"{transformers.__version__} knows", path=os.path.join(path, "config.json"))
    with loading(path, "model"):
        model, info = (cls or AutoModelForCausalLM).from_pretrained(
            path, local_files_only=True, output_loading_info=True, **kwargs)
    missing = info["missing_keys"]
    if missing:
        raise DataError(f"the weights lack {len(missing)} tensor(s) the model needs "
                        f"({', '.join(sorted(missing)[:3])})", path=str(path),
                        hint="config.json and the weights come from different models")
    return model


def load_hf_tokenizer(path: str | os.PathLike):
    """AutoTokenizer for a model directory that load_hf_model has checked."""
    from transformers import AutoTokenizer

    if not any(os.path.isfile(os.path.join(path, name)) for name in TOKENIZER_FILES):
        raise DataError(f"no tokenizer in this directory (none of {', '.join(TOKENIZER_FILES)})",
                        path=str(path), hint="save the tokenizer next to the model")
    with loading(path, "tokenizer"):
        return AutoTokenizer.from_pretrained(path, local_files_only=True)


def check_adapter_dir(path: str | os.PathLike, option: str) -> None:
    """A directory `lrtk tune` saved an adapter to, with its files whole."""
    require_dir(path, option, "adapter_config.json", "adapter (lrtk tune)")
    check_files(path)
