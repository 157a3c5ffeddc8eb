"""TaCo training examples (Upadhayay & Behzadan 2023) and plain translation examples.

A TaCo example asks in the target language and answers with the whole chain: the
instruction translated to English, the English response, then the target-language response.
Every example is {"id", "task", "lang", "prompt", "target", "meta"}.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterable, Iterator

from lrtk.errors import param
from lrtk.io.records import Record
from lrtk.taco.templates import instruction_prompt, taco_chain, translation_prompt
from lrtk.taco.translate_cmd import CommandTranslator


@dataclass
class InstructionFields:
    """Where the English and target-language texts live in an instruction record."""

    instruction: str = "instruction"
    response: str = "response"
    lang: str = "ne"

    @property
    def instruction_tgt(self) -> str:
        return f"{self.instruction}_{self.lang}"

    @property
    def response_tgt(self) -> str:
        return f"{self.response}_{self.lang}"


def _fill_translations(batch: list[Record], fields: InstructionFields,
                       translator: CommandTranslator | None) -> None:
    """Translate, in one command call, every target-language field the batch lacks."""
    wanted = [(rec, src, tgt) for rec in batch
              for src, tgt in ((fields.instruction, fields.instruction_tgt),
                               (fields.response, fields.response_tgt))
              if not rec.get(tgt)]
    if not wanted:
        return
    if translator is None:
        rec, _, tgt = wanted[0]
        raise rec.error(f"missing field {tgt!r}",
                        hint=f"add the translation or pass {param('translate_cmd')}")
    for (rec, _, tgt), text in zip(wanted, translator.translate([r[s] for r, s, _ in wanted])):
        rec[tgt] = text
        rec.setdefault("_translated", []).append(tgt)


def taco_examples(records: Iterable[Record], fields: InstructionFields, language: str, *,
                  translator: CommandTranslator | None = None,
                  batch_size: int = 256) -> Iterator[dict]:
    """One TaCo example per instruction record (lrtk.io.schema.instruction_record), in
    input order."""
    batch: list[Record] = []

    def flush() -> Iterator[dict]:
        _fill_translations(batch, fields, translator)
        for rec in batch:
            yield {
                "id": f"taco-{fields.lang}-{rec.get('id', rec.line)}",
                "task": "taco",
                "lang": fields.lang,
                "prompt": instruction_prompt(rec[fields.instruction_tgt]),
                "target": taco_chain(rec[fields.instruction], rec[fields.response],
                                         rec[fields.response_tgt], language),
                "meta": {"source": f"{rec.path}:{rec.line}",
                         "translated": rec.get("_translated", [])},
            }
        batch.clear()

    for rec in records:
        batch.append(rec)
        if len(batch) >= batch_size:
            yield from flush()
    yield from flush()


def pair_languages(pair: Record, src_lang: str, tgt_lang: str) -> tuple[str, str]:
    """The pair's own src_lang/tgt_lang, else the defaults; two different languages."""
    s_lang, t_lang = pair.get("src_lang", src_lang), pair.get("tgt_lang", tgt_lang)
    if s_lang == t_lang:
        raise pair.error(f"both sides of the pair are {s_lang!r}",
                         hint=f"give the pair src_lang/tgt_lang, or {param('src_lang')} and "
                              f"{param('tgt_lang')}")
    return s_lang, t_lang


def dialogue_records(pairs: Iterable[Record], fields: InstructionFields,
                     src_lang: str) -> Iterator[Record]:
    """Instruction records from consecutive English-<lang> sentence pairs of a dialogue or
    running text: pair i is the instruction and pair i+1, which answers or continues it, the
    response. Both languages are given, so nothing needs translating. A pair with an empty
    side breaks the sequence: no record spans it."""
    previous: tuple[Record, dict[str, str]] | None = None
    for pair in pairs:
        langs = pair_languages(pair, src_lang, fields.lang)
        if set(langs) != {"en", fields.lang}:
            raise pair.error(f"a dialogue pair must be English and {fields.lang!r}, "
                             f"not {langs[0]!r} and {langs[1]!r}")
        texts = dict(zip(langs, (pair["src"], pair["tgt"])))
        if not all(t.strip() for t in texts.values()):
            previous = None
            continue
        if previous is not None:
            before, before_texts = previous
            yield Record({"id": before.get("id", before.line),
                          fields.instruction: before_texts["en"],
                          fields.response: texts["en"],
                          fields.instruction_tgt: before_texts[fields.lang],
                          fields.response_tgt: texts[fields.lang]}, before.path, before.line)
        previous = (pair, texts)


def translation_examples(pairs: Iterable[Record], src_lang: str, tgt_lang: str,
                         name_of: Callable[[str], str]) -> Iterator[dict]:
    """Two examples per sentence pair: src->tgt and tgt->src. `name_of` maps code -> name."""
    for pair in pairs:
        s_lang, t_lang = pair_languages(pair, src_lang, tgt_lang)
        for (a, a_lang), (b, b_lang) in (((pair["src"], s_lang), (pair["tgt"], t_lang)),
                                         ((pair["tgt"], t_lang), (pair["src"], s_lang))):
            if not a.strip() or not b.strip():
                continue  # an empty side teaches nothing
            yield {
                "id": f"tr-{a_lang}-{b_lang}-{pair.get('id', pair.line)}",
                "task": "translate",
                "lang": b_lang,
                "prompt": translation_prompt(a, name_of(a_lang), name_of(b_lang)),
                "target": b,
                "meta": {"source": f"{pair.path}:{pair.line}"},
            }
