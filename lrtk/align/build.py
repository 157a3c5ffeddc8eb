"""Building the aligners a run asks for, with the resources each one needs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Sequence

from lrtk.align.document import Aligner, DocPair
from lrtk.align.length import LENGTH_WEIGHT
from lrtk.errors import UsageError, param
from lrtk.registry import Registry

if TYPE_CHECKING:
    from lrtk.lexicon import Dictionary

# A user's aligner is `module:Class` or an entry point of group lrtk.aligners: a class built
# with the keywords max_side and max_total, with a `name` and align(doc) -> [ScoredBead].
ALIGNERS = Registry("aligner", "lrtk.aligners")
for _name in ("length", "lexical", "embedding", "translation"):
    ALIGNERS.add(_name, None)  # built by build_aligners, with the resources they share
DEFAULT_OFFLINE = ("lexical", "embedding", "length")  # translation joins when given a source


@dataclass
class AlignerOptions:
    embedder: str = "offline"
    dictionary: str | None = None
    seed_pairs: str | None = None
    translations: str | None = None
    translate_cmd: str | None = None
    max_side: int = 4
    max_total: int = 5


def parse_aligner_names(spec: str | None, opts: AlignerOptions) -> list[str]:
    if spec is None:
        names = list(DEFAULT_OFFLINE)
        if opts.translations or opts.translate_cmd:
            names.insert(0, "translation")
        return names
    names = [n.strip() for n in spec.split(",") if n.strip()]
    unknown = [n for n in names if n not in ALIGNERS]
    if unknown or not names:
        raise UsageError(f"unknown aligner(s): {', '.join(unknown) or '(none given)'}",
                         hint=f"choose from {', '.join(ALIGNERS.names())}, comma-separated, "
                              "or module:Class")
    if len(set(names)) != len(names):
        raise UsageError(f"an aligner is named twice in {param('aligners')}")
    if "translation" in names and not (opts.translations or opts.translate_cmd):
        raise UsageError("the translation aligner needs translations",
                         hint=f"give {param('translations')} FILE or "
                              f"{param('translate_cmd')} 'CMD'")
    return names


def _seed_pairs(path: str) -> list[tuple[str, str]]:
    from lrtk.io import read_jsonl
    from lrtk.io.schema import TEXT_PAIR

    pairs = [(rec["src"], rec["tgt"]) for rec in read_jsonl(path, schema=TEXT_PAIR)]
    if not pairs:
        raise UsageError(f"{param('seed_pairs')} file has no sentence pairs", path=path)
    return pairs


def _translations(opts: AlignerOptions, docs: Sequence[DocPair],
                  first: int) -> dict[str, list[str]]:
    """Translations of the documents' source sentences: lines from `first` (0-based) of
    --translations, or --translate-cmd run once on all of them."""
    from lrtk.align.translation import run_translate_command, split_translations
    from lrtk.io import read_lines

    if opts.translations:
        wanted = sum(len(d.src) for d in docs)
        lines = [text for n, text in read_lines(opts.translations)
                 if first < n <= first + wanted]
        return split_translations(lines, docs, opts.translations)
    sentences = [s.replace("\n", " ") for d in docs for s in d.src]
    lines = run_translate_command(opts.translate_cmd or "", sentences)
    return split_translations(lines, docs,
                              f"output of {param('translate_cmd')} {opts.translate_cmd!r}")


def _scripts_differ(docs: Sequence[DocPair]) -> bool:
    from lrtk.lexicon import dominant_script

    return (dominant_script(s for d in docs for s in d.src)
            != dominant_script(t for d in docs for t in d.tgt))


@dataclass
class Lexicon:
    """The dictionary the lexical aligner uses, whether the offline embedder uses it too, and
    the weight of the length term of both (measured when the dictionary is bootstrapped)."""

    dictionary: "Dictionary | None"
    for_embedder: bool
    length_weight: float = LENGTH_WEIGHT


def needs_lexicon(names: Sequence[str], opts: AlignerOptions) -> bool:
    return "lexical" in names or ("embedding" in names and opts.embedder == "offline")


def fit_lexicon(names: Sequence[str], docs: Sequence[DocPair], opts: AlignerOptions) -> Lexicon:
    """The dictionary from --dictionary, from --seed-pairs (IBM Model 1), or bootstrapped from
    `docs`; none when no aligner needs one."""
    from lrtk.align.lexical import LexicalAligner
    from lrtk.lexicon import Dictionary

    shape = {"max_side": opts.max_side, "max_total": opts.max_total}
    if opts.dictionary:
        return Lexicon(Dictionary.load(opts.dictionary), True)
    if opts.seed_pairs:
        return Lexicon(LexicalAligner.from_seed_pairs(_seed_pairs(opts.seed_pairs),
                                                      **shape).dictionary, True)
    if not needs_lexicon(names, opts):
        return Lexicon(None, False)
    # A dictionary learned from the documents themselves is noisy; the offline embedder
    # needs it only where the scripts differ (where trigrams cannot match at all).
    learned = LexicalAligner.bootstrapped(docs, **shape)
    return Lexicon(learned.dictionary, _scripts_differ(docs), learned.length_weight)


def build_aligners(names: Sequence[str], docs: Sequence[DocPair], opts: AlignerOptions,
                   src_lang: str, lexicon: Lexicon | None = None,
                   first_translation: int = 0) -> list[Aligner]:
    """Aligners in the given order (the ensemble's order of trust), for `docs`. The lexicon
    (fitted from `docs` unless given) also feeds the offline embedder; the translation
    aligner gets the translations of `docs`, which start at line `first_translation` of
    --translations."""
    from lrtk.align.lexical import LexicalAligner

    if lexicon is None:
        lexicon = fit_lexicon(names, docs, opts)
    shape = {"max_side": opts.max_side, "max_total": opts.max_total}
    built: list[Aligner] = []
    for name in names:
        if name == "length":
            from lrtk.align.length import LengthAligner

            built.append(LengthAligner(**shape))
        elif name == "lexical":
            built.append(LexicalAligner(lexicon.dictionary, **shape,
                                        length_weight=lexicon.length_weight))
        elif name == "embedding":
            from lrtk.align.embedding import EmbeddingAligner
            from lrtk.embed import load_embedder

            embedder = load_embedder(opts.embedder,
                                     dictionary=lexicon.dictionary if lexicon.for_embedder
                                     else None,
                                     dictionary_lang=src_lang)
            built.append(EmbeddingAligner(embedder, **shape,
                                          length_weight=lexicon.length_weight))
        elif name == "translation":
            from lrtk.align.translation import TranslationAligner

            built.append(TranslationAligner(_translations(opts, docs, first_translation),
                                            **shape))
        else:
            built.append(ALIGNERS.get(name, param("aligners"))(**shape))
    return built
