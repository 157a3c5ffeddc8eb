"""One `lrtk filter` run: fit (or load) the model, judge the input shard by shard, merge.

Every run goes the same way, whatever executor or worker count: the input's lines are cut
into blocks and shards (lrtk.parallel.plan), each shard is judged into its folder of a work
directory, and the folders are joined in shard order. That is why the output is the same
bytes for --workers 1 or 16, for one process or --num-shards K on a cluster, local or Ray.
"""

from __future__ import annotations

import dataclasses
import functools
import os
from typing import Optional

from lrtk.memory import keep_freed_memory
from lrtk.errors import UsageError, param
from lrtk.filter.chain import FilterChain
from lrtk.filter.config import chain_for
from lrtk.filter.model import fit_chain, load_model, model_document, save_model
from lrtk.filter.stream import FilterJob, first_record, merge, run_shard
from lrtk.io.lines import display_name
from lrtk.io.progress import info
from lrtk.text.languages import check_language
from lrtk.parallel import count_lines, plan_shards
from lrtk.parallel.fit import fit_once
from lrtk.parallel.run import ShardOptions, input_fingerprint, merge_only, run_stage, work_folder
from lrtk.parallel.workdir import content_hash

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
    fit_sample: int = 10000  # --fit-sample (lrtk.filter.model says why)
    model: Optional[str] = None
    model_out: Optional[str] = None
    fit_only: bool = False
    shards: ShardOptions = dataclasses.field(default_factory=ShardOptions)


def run_filter(o: FilterOptions) -> None:
    o.shards.check(o.input)
    if o.fit_only and not o.model_out:
        raise UsageError(f"{param('fit_only')} needs {param('model_out')}",
                         hint="where to write the model")
    for code, option in ((o.src_lang, param("src_lang")), (o.tgt_lang, param("tgt_lang"))):
        if code:
            check_language(code, option)

    def merged(folders: list[str], plan: dict) -> None:
        _report(merge(folders, plan["src_lang"], plan["tgt_lang"], o.output, o.rejects,
                      o.report))

    if o.shards.merge_only:
        return merge_only(o.shards, "filter", merged)
    with work_folder(o.shards, o.input, "filter") as (folder, input_path):
        name = display_name(o.input)
        first = first_record(input_path, name, o.skip_bad)
        src, tgt, sources = _languages(first, o.src_lang, o.tgt_lang)
        chain = chain_for(o.config, src, tgt)
        model = _model(o, chain, src, tgt, input_path, name, folder)
        if o.fit_only:
            return
        job = FilterJob(input_path, name, o.config, src, tgt, sources, o.skip_bad, model)
        fingerprint = {
            "stage": "filter", "input": input_fingerprint(o.input, input_path),
            "src_lang": src, "tgt_lang": tgt, "skip_bad": o.skip_bad,
            "config": content_hash(o.config) if o.config else None,
            "model": content_hash(model) if model else None}
        shards = plan_shards(count_lines(input_path), chain.block_size, o.shards.num_shards)
        run_stage(o.shards, folder, fingerprint, shards, functools.partial(run_shard, job),
                  merged)


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
                         hint=f"pass {param('src_lang')} and {param('tgt_lang')} (e.g. "
                              f"{param('src_lang')} bn {param('tgt_lang')} en)")
    sources = []
    for given, field in ((src_lang, "src_lang"), (tgt_lang, "tgt_lang")):
        if given:
            sources.append(param(field))  # checked before reading
        else:
            check_language(first[field], field, first)
            sources.append(f"line {first.line}'s {field}")
    return src, tgt, tuple(sources)


def _fit_document(config: Optional[str], src: str, tgt: str, input_path: str, name: str,
                  sample: int, seed: int, skip_bad: bool) -> dict:
    keep_freed_memory()  # IBM 1's four trainings reuse each other's pages (lrtk.memory)
    chain = chain_for(config, src, tgt)
    return model_document(chain, src, tgt,
                          fit_chain(chain, input_path, name, sample, seed, skip_bad))


def _model(o: FilterOptions, chain: FilterChain, src: str, tgt: str, input_path: str,
           name: str, folder: str) -> Optional[str]:
    """The model file the shards load: --model, or one fitted now; None if nothing learns."""
    if o.model:
        load_model(o.model, chain, src, tgt)  # a wrong model fails now, not in every shard
        return o.model
    if not chain.learns:
        if o.fit_only:
            raise UsageError("nothing in this chain learns from the corpus: there is no model "
                             "to fit", hint=f"drop {param('fit_only')}")
        return None
    if o.shards.shard_index is not None:
        raise UsageError("a shard needs the model fitted once for all shards",
                         hint=f"run once with {param('fit_only')} {param('model_out')} MODEL "
                              f"first, then pass {param('model')} MODEL to every shard")
    fit = functools.partial(_fit_document, o.config, src, tgt, input_path, name, o.fit_sample,
                            o.seed, o.skip_bad)
    return fit_once(fit, save_model, os.path.join(folder, MODEL), o.model_out, o.fit_only)
