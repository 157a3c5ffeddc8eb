"""The option vocabulary of the CLI: every option that more than one command takes is defined
here once, so one concept has one spelling, one type and one default everywhere
(docs/conventions.md, "Option vocabulary", has the table of decisions).

A command takes an option by calling its definition (`output()`, `tgt_lang(...)`); where the
meaning needs a command's own words the help text is an argument, never the name or type.
Spellings retired in favour of these names keep working for one release as hidden aliases
(`deprecated(...)`), with one warning line on stderr.
"""

from __future__ import annotations

import functools
import inspect
import itertools
from typing import Any, Callable, List, Optional

import typer
from typer.core import TyperCommand

from lrtk.cli._outputs import OVERWRITE_HELP

# ---------------------------------------------------------------- languages


def src_lang(default: Any = ..., help: str = "Source language code, e.g. bn.") -> Any:
    return typer.Option(default, "--src-lang", help=help)


def tgt_lang(default: Any = ..., help: str = "Target language code, e.g. ne.") -> Any:
    return typer.Option(default, "--tgt-lang", help=help)


def lang(default: Any = ..., help: str = "Language code of the documents, e.g. bn.") -> Any:
    """The one language of a monolingual stage (segment, summarize): not a side of a pair, so
    neither --src-lang nor --tgt-lang; its name is the documents' `lang` field."""
    return typer.Option(default, "--lang", "-l", help=help)


def lang_name(help: str = "English name of the --tgt-lang language, for a code lrtk does "
                          "not know (e.g. Tamil).") -> Any:
    """Languages are given by code; lrtk.taco.language_name turns the codes it knows into
    the names prompts and chain labels use, and this names any other."""
    return typer.Option(None, "--lang-name", help=help)


def src_lang_name() -> Any:
    return typer.Option(None, "--src-lang-name", help="English name of the --src-lang "
                                                      "language, for a code lrtk does not know.")

# ---------------------------------------------------------------- inputs and outputs


def output(default: Any = "-", help: str = "Output file ('-' = stdout).") -> Any:
    """Record streams default to stdout; models, folders and prefixes pass `...` (required)."""
    return typer.Option(default, "--output", "-o", help=help)


def report(help: str = "Write the stage's statistics as JSON to this file.") -> Any:
    """A JSON file. `--json` is never a path: it is the switch `json_switch`."""
    return typer.Option(None, "--report", help=help)


def json_switch(help: str = "Print the results as JSON on stdout.") -> Any:
    return typer.Option(False, "--json", help=help)


def overwrite() -> Any:
    return typer.Option(False, "--overwrite", help=OVERWRITE_HELP)


def skip_bad() -> Any:
    return typer.Option(False, "--skip-bad",
                        help="Skip malformed records with a counted warning instead of stopping.")


def corpus(help: str = "LANG=PATH, repeated; one example a line (.gz read too). A language "
                       "given again gets its files concatenated in order.") -> Any:
    return typer.Option(..., "--corpus", help=help)


def corpus_format() -> Any:
    return typer.Option("auto", "--format", help="Format of the --corpus files: auto|text|jsonl "
                                                 "(auto: jsonl for *.jsonl).")


def text_field() -> Any:
    return typer.Option("text", "--text-field", help="Field holding the text in JSONL records.")

# ---------------------------------------------------------------- models and runs


def model(default: Any = ..., help: str = "Local Hugging Face model directory.") -> Any:
    """A model a command runs over its data or starts from. A command whose main input is the
    model takes it as its MODEL argument instead (export, run, ppl, bench, trim-vocab)."""
    return typer.Option(default, "--model", help=help)


def tokenizer(default: Any = None, help: str = "sentencepiece .model file.") -> Any:
    return typer.Option(default, "--tokenizer", help=help)


def seed(help: str = "Random seed.") -> Any:
    return typer.Option(0, "--seed", help=help)


def ctx(default: Any, help: str, min: int = 1) -> Any:
    """Context length in tokens: what a model attends to, a window scored, a KV cache."""
    return typer.Option(default, "--ctx", min=min, help=help)


def max_new_tokens(default: int = 128) -> Any:
    return typer.Option(default, "--max-new-tokens", "-n", min=0,
                        help="Stop after this many new tokens (or at EOS, or when the context "
                             "is full).")


def device(help: str = "") -> Any:
    """Where a torch model runs (generate, eval); `help` says when the option matters."""
    return typer.Option("auto", "--device", help=help + "auto (a CUDA GPU if torch sees one, "
                                                        "else cpu), cpu, cuda or cuda:N.")


def num_beams() -> Any:
    return typer.Option(1, "--num-beams", help="Beam search with N beams [default: 1, greedy].")


def threads(default: Any, help: str, min: Optional[int] = None) -> Any:
    return typer.Option(default, "--threads", "-t", min=min, help=help)


def kernel(help: str = "auto, scalar, avx2, avx512 or neon (auto: $LRTK_KERNEL if set, else "
                       "the best this CPU runs).") -> Any:
    return typer.Option("auto", "--kernel", help=help)


def mix() -> Any:
    """The language-mixing schedule; --lr-schedule is the learning rate's."""
    return typer.Option("temperature", "--mix", help="Language mixing: temperature | cooldown "
                                                     "| unimax.")

# ---------------------------------------------------------------- sharded data stages

WORKERS = typer.Option(0, "--workers", min=0, help="Processes (0 = every core).")
NUM_SHARDS = typer.Option(None, "--num-shards", min=1,
                          help="Cut the input into this many shards (default: by size).")
SHARD_INDEX = typer.Option(None, "--shard-index", min=0,
                           help="Run only this shard (needs --num-shards and --work-dir).")
WORK_DIR = typer.Option(None, "--work-dir",
                        help="Keep shard outputs here; a rerun resumes unfinished shards.")
MERGE = typer.Option(False, "--merge", help="Only join the finished shards of --work-dir.")
EXECUTOR = typer.Option("local", "--executor", help="local (processes) or ray.")
RAY_ADDRESS = typer.Option(None, "--ray-address",
                           help="Ray cluster to run on (default: start one on this machine).")

_SHARD_PARAMS = [("workers", int, WORKERS), ("num_shards", Optional[int], NUM_SHARDS),
                 ("shard_index", Optional[int], SHARD_INDEX), ("work_dir", Optional[str], WORK_DIR),
                 ("merge", bool, MERGE), ("executor", str, EXECUTOR),
                 ("ray_address", Optional[str], RAY_ADDRESS)]


def sharded(fn: Callable) -> Callable:
    """Give a data stage the shard options (lrtk.parallel) without listing them: the command
    gets them as one `shards` parameter, a checked ShardOptions."""
    signature = inspect.signature(fn, eval_str=True)
    kept = [p for p in signature.parameters.values() if p.name != "shards"]
    added = [inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=option,
                               annotation=kind) for name, kind, option in _SHARD_PARAMS]

    @functools.wraps(fn)
    def run(**params):
        given = {name: params.pop(name) for name, _, _ in _SHARD_PARAMS}
        return fn(**params, shards=shard_options(**given))

    run.__signature__ = signature.replace(parameters=kept + added)
    return run


def shard_options(workers: int, num_shards: Optional[int], shard_index: Optional[int],
                  work_dir: Optional[str], merge: bool, executor: str,
                  ray_address: Optional[str]):
    from lrtk.errors import UsageError
    from lrtk.parallel import EXECUTORS
    from lrtk.parallel.executor import default_workers
    from lrtk.parallel.run import ShardOptions

    if executor not in EXECUTORS:
        raise UsageError(f"unknown executor {executor!r}", hint=f"choose {' or '.join(EXECUTORS)}")
    return ShardOptions(workers or default_workers(), num_shards, shard_index, work_dir, merge,
                        executor, ray_address)

# ---------------------------------------------------------------- retired spellings


class AliasedCommand(TyperCommand):
    """A command that still accepts retired spellings of its options (`aliases`: old name ->
    new name, or None where the value is now the positional argument). They are hidden from
    --help and each prints one deprecation line."""

    aliases: dict[str, Optional[str]] = {}

    def parse_args(self, ctx, args: List[str]) -> List[str]:
        return super().parse_args(ctx, rename_retired(args, self.aliases, self._valued()))

    def _valued(self) -> set[str]:
        """Option names that take a value: the word after one is a value, never renamed."""
        return {name for p in self.params if p.param_type_name == "option" and not p.is_flag
                and not p.count for name in p.opts}


def deprecated(aliases: dict[str, Optional[str]]) -> type:
    """A command class that accepts the old spellings in `aliases`."""
    return type("AliasedCommand", (AliasedCommand,), {"aliases": dict(aliases)})


def rename_retired(args: List[str], aliases: dict[str, Optional[str]],
                   valued: set[str] = frozenset()) -> List[str]:
    """`args` with each old spelling replaced (once warned about per name); the words after
    `--` and the values of options are left as they are."""
    out: List[str] = []
    warned: set[str] = set()
    words = iter(args)
    for word in words:
        if word == "--":
            out += [word, *words]
            break
        name, eq, value = word.partition("=") if word.startswith("--") else (word, "", "")
        if name in aliases:
            new = aliases[name]
            if name not in warned:
                warned.add(name)
                use = new if new is not None else "the positional argument"
                typer.echo(f"lrtk: warning: {name} is deprecated, use {use}", err=True)
            if new is None:
                out += [value] if eq else []
                continue
            word, name = new + eq + value, new
        out.append(word)
        if name in valued and not eq:
            out += list(itertools.islice(words, 1))
    return out
