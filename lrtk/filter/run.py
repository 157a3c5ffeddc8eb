"""One `lrtk filter` run: read pairs, run the chain, write kept pairs, rejects and report."""

from __future__ import annotations

from typing import Optional

from lrtk.errors import UsageError
from lrtk.filter.base import Pair
from lrtk.filter.chain import FilterChain, Outcome
from lrtk.filter.config import default_chain, load_chain
from lrtk.io import RecordReader, write_json, write_jsonl
from lrtk.io.progress import info
from lrtk.io.records import Record
from lrtk.io.schema import SENTENCE_PAIR, check_language, check_record_language


def resolve_langs(records: list[Record], src_lang: Optional[str],
                  tgt_lang: Optional[str]) -> tuple[str, str]:
    """Languages from the options, else from the records; every record must agree."""
    first = records[0] if records else Record({})
    src = src_lang or first.get("src_lang")
    tgt = tgt_lang or first.get("tgt_lang")
    if not src or not tgt:
        raise UsageError("source/target language unknown",
                         hint="pass --src-lang and --tgt-lang (e.g. --src-lang bn --tgt-lang en)")
    # Without the options the first record sets the languages; errors say where they came from.
    source = {}
    for given, field in ((src_lang, "src_lang"), (tgt_lang, "tgt_lang")):
        if given:
            source[field] = f"--{field.replace('_', '-')}"  # checked before reading
        else:
            check_language(first[field], field, first)
            source[field] = f"line {first.line}'s {field}"
    for rec in records:
        for field, lang in (("src_lang", src), ("tgt_lang", tgt)):
            check_record_language(rec, field, rec.get(field), lang, source[field])
    return src, tgt


class FilterRun:
    def __init__(self, records: list[Record], chain: FilterChain, src_lang: str,
                 tgt_lang: str, skipped: int = 0):
        self.records = records
        self.chain = chain
        self.src_lang = src_lang
        self.tgt_lang = tgt_lang
        self.skipped = skipped
        self.outcomes: list[Outcome] = []

    @classmethod
    def from_options(cls, input: str, src_lang: Optional[str], tgt_lang: Optional[str],
                     config: Optional[str], seed: int, skip_bad: bool) -> "FilterRun":
        for code, option in ((src_lang, "--src-lang"), (tgt_lang, "--tgt-lang")):
            if code:
                check_language(code, option)
        # Batch filters need the whole input (shuffled batches, corpus-trained models).
        reader = RecordReader(input, skip_bad=skip_bad, schema=SENTENCE_PAIR)
        records = list(reader)
        src, tgt = resolve_langs(records, src_lang, tgt_lang)
        chain = load_chain(config, src, tgt, seed) if config else default_chain(src, tgt, seed)
        return cls(records, chain, src, tgt, reader.skipped)

    def execute(self) -> None:
        pairs = [Pair(rec["src"], rec["tgt"]) for rec in self.records]
        self.outcomes = self.chain.run(pairs)

    def summary(self) -> dict:
        return {"src_lang": self.src_lang, "tgt_lang": self.tgt_lang,
                "skipped_bad": self.skipped, **self.chain.summary(self.outcomes)}

    def write(self, output: str, rejects: Optional[str], report: Optional[str]) -> None:
        # Side files first: if one cannot be written, the pipe downstream gets nothing
        # rather than a stream whose rejects went missing.
        done = list(zip(self.records, self.outcomes))
        if rejects:
            write_jsonl(({**rec, "rejected_by": out.rejected_by, "scores": out.scores}
                         for rec, out in done if not out.kept), rejects)
        summary = self.summary()
        if report:
            write_json(summary, report)
        write_jsonl((dict(rec) for rec, out in done if out.kept), output)
        n, kept = summary["input"], summary["kept"]
        share = f" ({100 * kept / n:.1f}%)" if n else ""
        counts = ", ".join(f"{k} {v}" for k, v in summary["rejected"].items() if v) or "none"
        info(f"filter {self.src_lang}-{self.tgt_lang}: {n} pairs in, {kept} kept{share}; "
             f"rejected by: {counts}")
