"""Generation over records: `prompt` in, `output` out; with TaCo, the chain kept aside."""

from __future__ import annotations

from typing import Iterable, Iterator

from lrtk.generate.generator import Generator
from lrtk.io.records import Record
from lrtk.taco import extract_response, instruction_prompt


# What an encoder–decoder reads when a record has no `prompt`: the document of a
# summarization record, the source of a sentence pair (the fields `lrtk tune` trains on).
SOURCE_FIELDS = ("text", "src")


def record_prompt(rec: Record, taco: bool, seq2seq: bool = False) -> str:
    """`prompt` verbatim; under --taco a record may give the target-language
    `instruction` instead, formatted as TaCo training formatted it; for an encoder–decoder
    `text` or `src`."""
    if isinstance(rec.get("prompt"), str):
        return rec["prompt"]
    if taco and isinstance(rec.get("instruction"), str):
        return instruction_prompt(rec["instruction"])
    if seq2seq:
        for name in SOURCE_FIELDS:
            if isinstance(rec.get(name), str):
                return rec[name]
        raise rec.error("missing string field 'prompt', 'text' or 'src'")
    raise rec.error("missing string field 'prompt'" + (" (or 'instruction')" if taco else ""))


def generate_records(records: Iterable[Record], generator: Generator, *,
                     taco_language: str | None = None,
                     counts: dict[str, int] | None = None) -> Iterator[dict]:
    """Each record with `output` added. With `taco_language`, `output` is the final
    target-language response, `chain` the full generation and `chain_status` how the
    extraction went; `counts` (if given) tallies the statuses."""
    recs = list(records)
    prompts = [record_prompt(r, taco_language is not None, generator.seq2seq) for r in recs]
    for rec, text in zip(recs, generator.generate(prompts)):
        out = dict(rec)
        if taco_language is None:
            out["output"] = text
        else:
            parsed = extract_response(text, taco_language)
            out.update(output=parsed.output, chain=text, chain_status=parsed.status)
            if counts is not None:
                counts[parsed.status] = counts.get(parsed.status, 0) + 1
        yield out
