"""One `lrtk filter` run: fit (or load) the model, judge the input shard by shard, merge.

Every run goes the same way, whatever executor or worker count: the input's lines are cut
into blocks and shards (lrtk.parallel.plan), each shard is judged into its folder of a work
directory, and the folders are joined in shard order. That is why the output is the same
bytes for --workers 1 or 16, for one process or --num-shards K on a cluster, local or Ray.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import json
import os
import shutil
import tempfile
from typing import Iterator, Optional

from lrtk.errors import UsageError
from lrtk.filter.chain import FilterChain
from lrtk.filter.config import default_chain, load_chain
from lrtk.filter.model import fit_chain, load_model, model_document, save_model
from lrtk.filter.stream import FilterJob, first_record, merge, run_shard
from lrtk.io.atomic import atomic_output
from lrtk.io.lines import copy_unzipped, display_name
from lrtk.io.progress import info
from lrtk.io.schema import check_language
from lrtk.parallel import WorkDir, count_lines, plan_shards, run_shards
from lrtk.parallel.workdir import PLAN, content_hash, file_fingerprint

MODEL = "model.json"  # the fitted model of a run that fitted its own, in its work folder


@dataclasses.dataclass
class FilterOptions:
    input: str = "-"
    output: str = "-"
    src_lang: Optional[str] = None
    tgt_lang: Optional[str] = None
    config: Optional[str] = None
    rejects: Optional[str] = None
    report: Optional[str] = None
    seed: int = 0
    skip_bad: bool = False
    fit_sample: int = 20000
    model: Optional[str] = None
    model_out: Optional[str] = None
    fit_only: bool = False
    workers: int = 1
    num_shards: Optional[int] = None
    shard_index: Optional[int] = None
    work_dir: Optional[str] = None
    merge_only: bool = False
    executor: str = "local"
    ray_address: Optional[str] = None


def check_outputs(*paths: Optional[str]) -> None:
    """Fail on a bad output path before the (long) filtering, not after it."""
    for path in paths:
        if path and path != "-":
            directory = os.path.dirname(os.path.abspath(path))
            if not os.path.isdir(directory):
                raise UsageError("output directory does not exist", path=directory,
                                 hint="create it first")


def check_sharding(o: FilterOptions) -> None:
    if o.shard_index is not None:
        if o.num_shards is None or o.work_dir is None:
            raise UsageError("--shard-index needs --num-shards and --work-dir",
                             hint="each shard writes into the shared work folder")
        if not 0 <= o.shard_index < o.num_shards:
            raise UsageError(f"--shard-index {o.shard_index} is not in 0..{o.num_shards - 1}")
        if o.input == "-":
            raise UsageError("a shard cannot read stdin", hint="give the input as a file")
    if o.merge_only and o.work_dir is None:
        raise UsageError("--merge needs --work-dir", hint="the folder the shards wrote into")
    if o.num_shards is not None and o.num_shards < 1:
        raise UsageError("--num-shards must be at least 1")
    if o.fit_only and not o.model_out:
        raise UsageError("--fit-only needs --model-out", hint="where to write the model")


def run_filter(o: FilterOptions) -> None:
    check_sharding(o)
    check_outputs(o.output, o.rejects, o.report, o.model_out)
    for code, option in ((o.src_lang, "--src-lang"), (o.tgt_lang, "--tgt-lang")):
        if code:
            check_language(code, option)
    if o.merge_only:
        return _merge_only(o)
    with _work_folder(o) as (folder, input_path):
        name = display_name(o.input)
        first = first_record(input_path, name, o.skip_bad)
        src, tgt, sources = _languages(first, o.src_lang, o.tgt_lang)
        chain = (load_chain(o.config, src, tgt) if o.config else default_chain(src, tgt))
        model = _model(o, chain, src, tgt, input_path, name, folder)
        if o.fit_only:
            return
        job = FilterJob(input_path, name, o.config, src, tgt, sources, o.skip_bad, model)
        shards = plan_shards(count_lines(input_path), chain.block_size, o.num_shards)
        work = WorkDir(folder, {
            "stage": "filter", "input": _input_fingerprint(o.input, input_path),
            "src_lang": src, "tgt_lang": tgt, "skip_bad": o.skip_bad,
            "config": content_hash(o.config) if o.config else None,
            "model": content_hash(model) if model else None, "shards": len(shards)})
        task = functools.partial(run_shard, job)
        if o.shard_index is not None:
            run_shards(task, [shards[o.shard_index]], work, desc="filter shard")
            info(f"filter: shard {o.shard_index} of {len(shards)} done in {folder} "
                 f"(join the shards with --merge)")
            return
        run_shards(task, shards, work, workers=o.workers, executor=o.executor,
                   ray_address=o.ray_address, desc="filter")
        _report(merge([work.shard_dir(s) for s in shards], src, tgt, o.output, o.rejects,
                      o.report))


def _merge_only(o: FilterOptions) -> None:
    plan = os.path.join(o.work_dir, PLAN)
    try:
        with open(plan, encoding="utf-8") as fh:
            fingerprint = json.load(fh)
        count = fingerprint["shards"]
    except (OSError, ValueError, KeyError, TypeError):
        raise UsageError("no sharded filter run in this folder (plan.json missing or damaged)",
                         path=o.work_dir, hint="run the shards with --work-dir first") from None
    if o.num_shards is not None and o.num_shards != count:
        raise UsageError(f"the work folder holds {count} shards, not {o.num_shards}",
                         path=o.work_dir)
    work = WorkDir(o.work_dir, fingerprint)
    shards = plan_shards(0, 1, count)  # only the names matter here
    missing = work.missing(shards)
    if missing:
        raise UsageError(f"{len(missing)} of {count} shards are not finished (first: shard "
                         f"{missing[0].index})", path=o.work_dir,
                         hint="run them (rerunning a shard command resumes) before --merge")
    _report(merge([work.shard_dir(s) for s in shards], fingerprint["src_lang"],
                  fingerprint["tgt_lang"], o.output, o.rejects, o.report))


def _report(summary: dict) -> None:
    n, kept = summary["input"], summary["kept"]
    share = f" ({100 * kept / n:.1f}%)" if n else ""
    counts = ", ".join(f"{k} {v}" for k, v in summary["rejected"].items() if v) or "none"
    info(f"filter {summary['src_lang']}-{summary['tgt_lang']}: {n} pairs in, {kept} kept"
         f"{share}; rejected by: {counts}")


def _languages(first, src_lang: Optional[str], tgt_lang: Optional[str]):
    """Languages from the options, else from the first record; where each came from."""
    src = src_lang or (first.get("src_lang") if first else None)
    tgt = tgt_lang or (first.get("tgt_lang") if first else None)
    if not src or not tgt:
        raise UsageError("source/target language unknown",
                         hint="pass --src-lang and --tgt-lang (e.g. --src-lang bn --tgt-lang en)")
    sources = []
    for given, field in ((src_lang, "src_lang"), (tgt_lang, "tgt_lang")):
        if given:
            sources.append(f"--{field.replace('_', '-')}")  # checked before reading
        else:
            check_language(first[field], field, first)
            sources.append(f"line {first.line}'s {field}")
    return src, tgt, tuple(sources)


def _model(o: FilterOptions, chain: FilterChain, src: str, tgt: str, input_path: str,
           name: str, folder: str) -> Optional[str]:
    """The model file the shards load: --model, or one fitted now; None if nothing learns."""
    if o.model:
        load_model(o.model, chain, src, tgt)  # a wrong model fails now, not in every shard
        return o.model
    if not chain.learns:
        if o.fit_only:
            raise UsageError("nothing in this chain learns from the corpus: there is no model "
                             "to fit", hint="drop --fit-only")
        return None
    if o.shard_index is not None:
        raise UsageError("a shard needs the model fitted once for all shards",
                         hint="run lrtk filter --fit-only --model-out MODEL first, then pass "
                              "--model MODEL to every shard")
    document = model_document(chain, src, tgt,
                              fit_chain(chain, input_path, name, o.fit_sample, o.seed, o.skip_bad))
    if o.model_out:
        save_model(o.model_out, document)
    if o.fit_only:
        return o.model_out
    path = os.path.join(folder, MODEL)
    save_model(path, document)
    return path


def _input_fingerprint(given: str, path: str) -> dict:
    # A spooled stdin has no identity of its own but its content.
    return {"stdin": content_hash(path)} if given == "-" else file_fingerprint(path)


@contextlib.contextmanager
def _work_folder(o: FilterOptions) -> Iterator[tuple[str, str]]:
    """(work folder, input file): --work-dir, or a temporary folder removed afterwards; stdin
    is spooled into it (shards read their lines by position)."""
    temporary = o.work_dir is None
    folder = tempfile.mkdtemp(prefix="lrtk-filter-") if temporary else o.work_dir
    try:
        if not temporary:
            os.makedirs(folder, exist_ok=True)
        path = o.input
        if o.input == "-":
            path = os.path.join(folder, "stdin.jsonl")
            with atomic_output(path, binary=True) as fh:
                copy_unzipped("-", fh)
        yield folder, path
    finally:
        if temporary:
            shutil.rmtree(folder, ignore_errors=True)
