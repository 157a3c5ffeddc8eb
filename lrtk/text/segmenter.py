"""Rule-based sentence segmentation driven by a language profile.

A paragraph break ("\n") always ends a sentence. Within a paragraph one compiled regular
expression finds every place where a sentence *could* end: a cluster of terminators with its
closing quotes and brackets, followed by white space (a danda needs none). Each candidate is
accepted or rejected by a few cheap rules that look only at the word before it and the word
after it, so the cost is one regex scan per text plus a little Python per candidate, never a
loop over characters. The regexes start with a character class so that the regex engine can
skip quickly to the next terminator.

Sentences are returned as (start, end) character offsets into the text; the sentences are
exact substrings (surrounding white space excluded), so callers can keep provenance.
"""

from __future__ import annotations

import re
import unicodedata

from lrtk.text.normalize import canonical_spelling
from lrtk.text.profile import LanguageProfile

# Characters that mark list items ("• 9. first • 10. second").
_BULLETS = "•⁃‣◦▪*-"
_NEXT_WORD = re.compile(r"\s*(\S*)")
_ELLIPSIS = "…"
_DOTS = ". " + _ELLIPSIS
# Quotes that open and close alike: a loose one closes only a sentence with an open quote.
_SYMMETRIC_QUOTES = "\"'"
# A word starting with these continues the sentence, whatever stop came before it.
_CONTINUATIONS = ",;:،؛"
_MAX_WORD_LOOKBACK = 64
_MAX_ABBREVIATION_PART = 3  # "U.S.A", "Ph.D", "এ.কে.এম": dotted parts this short are abbreviations


def _char_class(chars: str) -> str:
    """A regex character class body matching exactly `chars` (escaped)."""
    return "".join(re.escape(c) for c in chars)


class Segmenter:
    """Splits text into sentences with the rules of one language profile."""

    def __init__(self, profile: LanguageProfile):
        self.profile = profile
        p = profile
        terms = _char_class(p.terminators + p.strong_terminators)
        closing = _char_class(p.closing)
        # A cluster may contain spaced dots (". . ."), which are one ellipsis; a closing quote
        # standing alone after the stop ('done. " Next') may still close the sentence.
        self._candidates = re.compile(
            rf"(?P<term>[{terms}](?:(?: (?=\.))?[{terms}])*)(?P<close>[{closing}]*)"
            rf"(?:[^\S\n]+(?P<loose>[{closing}]+)(?=\s|\Z))?(?P<spaced>(?=\s|\Z))?")
        self._strong = set(p.strong_terminators)
        self._digits = set(p.digits)
        self._letters = "".join(p.list_alphabets)
        # List items ("1.", "2)", "b.", Bengali "১।") are found from their stop; what precedes
        # the stop is checked in Python, much faster than a look-behind tried everywhere.
        self._list_stop = re.compile(r"(?P<style>\.\)|\)|\.|।)(?=\s)")
        self._sentence_lead = re.compile(rf"[\s{_char_class(_BULLETS)}]*")
        self._initial_letter = re.compile(
            "[" + "".join(p.initial_scripts) + "]" if p.initial_scripts else "(?!)")

    # ---- public API ----------------------------------------------------------------------

    def spans(self, text: str) -> list[tuple[int, int]]:
        """(start, end) offsets of the sentences of `text`, in order, white space excluded."""
        cuts = self._cuts(text)
        spans = []
        start = 0
        for cut in cuts + [len(text)]:
            piece = text[start:cut]
            stripped = piece.strip()
            if stripped:
                lead = len(piece) - len(piece.lstrip())
                spans.append((start + lead, start + lead + len(stripped)))
            start = cut
        return spans

    def split(self, text: str) -> list[str]:
        """The sentences of `text` as strings."""
        return [text[a:b] for a, b in self.spans(text)]

    # ---- candidates ----------------------------------------------------------------------

    def _cuts(self, text: str) -> list[int]:
        """Sorted positions after which a sentence ends."""
        cuts: list[int] = []
        start = 0
        while True:
            end = text.find("\n", start)
            if end < 0:
                self._paragraph_cuts(text, start, len(text), cuts)
                return cuts
            self._paragraph_cuts(text, start, end, cuts)
            cuts.append(end)
            start = end + 1

    def _paragraph_cuts(self, text: str, start: int, end: int, cuts: list[int]) -> None:
        """Append the sentence ends within text[start:end] (one paragraph) to `cuts`."""
        list_starts, list_stops = self._list_items(text, start, end)
        pending = iter(list_starts)
        next_item = next(pending, None)
        sentence_start = start
        for m in self._candidates.finditer(text, start, end):
            while next_item is not None and next_item <= m.start():
                if next_item > sentence_start:
                    cuts.append(next_item)
                    sentence_start = next_item
                next_item = next(pending, None)
            if m.group("spaced") is None:
                # Glued to the next word: only a danda ends a sentence there ("খাই।আমি").
                cut = m.end() if not self._strong.isdisjoint(m.group("term")) else None
            elif m.start() in list_stops:
                continue
            else:
                cut = self._decide(text, m, sentence_start, end)
            if cut is not None and cut > sentence_start:
                cuts.append(cut)
                sentence_start = cut
        if next_item is not None:
            cuts.extend(c for c in [next_item, *pending] if c > sentence_start)

    def _decide(self, text: str, m: re.Match, sentence_start: int,
                paragraph_end: int) -> int | None:
        """Where the sentence ends at candidate `m` (usually m.end()), or None if it goes on."""
        term = m.group("term")
        end = m.end()
        loose = m.group("loose")
        if loose and loose[0] in _SYMMETRIC_QUOTES and \
                text.count(loose[0], sentence_start, m.start()) % 2 == 0:
            end = m.end("close")  # the sentence has no open quote: this one opens the next
        nxt = _NEXT_WORD.match(text, end, paragraph_end).group(1).lstrip(self.profile.opening)
        if not nxt:
            return end  # end of text: nothing can continue the sentence
        if nxt[0] in _CONTINUATIONS:
            return None  # "ایٹ آل۔ ، نے": no sentence starts with a comma
        if not self._strong.isdisjoint(term):
            return end
        if "?" in term and not m.group("close"):
            return end  # "are you ok? and the fever?": a bare question mark always ends
        if nxt[0].islower() and nxt == nxt.lower():
            # A cased script continues in lower case ("Yahoo! in", "'Great.' she"); a word
            # with capitals inside ("mRNA", "iPhone") is a name that may open a sentence.
            return None
        if term.strip(_DOTS):
            return end  # a question or exclamation mark, alone or with dots
        dots = term.count(".") + 3 * term.count(_ELLIPSIS)
        if dots >= 4:
            # "compounds. . . . The": a full stop, then an ellipsis opening the next sentence.
            if m.start() > 0 and not text[m.start() - 1].isspace() and term.startswith(". "):
                return m.start("term") + 1
            return end
        if dots == 3:
            # A spaced ellipsis marks an omission inside a sentence; an unspaced one ends a
            # sentence only before a typical sentence opener.
            if " " in term:
                return None
            return end if self._opens_sentence(nxt) else None
        return end if self._period_ends(text, m, nxt, sentence_start) else None

    def _period_ends(self, text: str, m: re.Match, nxt: str, sentence_start: int) -> bool:
        """A single full stop: decide between abbreviation, initial, number and sentence end."""
        p = self.profile
        tok_end = m.start("term")
        tok = _token_before(text, tok_end)
        tok_start = tok_end - len(tok)
        tok = tok.lstrip(p.opening)
        # The lists hold canonical spellings; text may carry Sinhala's two-code-point vowels.
        key = canonical_spelling(tok, p.lang).lower()
        if key in p.prefixes:
            return False
        if key in p.number_prefixes and nxt[0].isdigit():
            return False
        if tok[-1:].isdigit():
            # "1. The first item": a small number opening the sentence numbers a list item.
            if len(tok) <= 2 and tok.isdigit():
                return self._sentence_lead.match(text, sentence_start).end() != tok_start
            return True
        if self._is_initial(tok, key):
            # "Jonas E. Smith" / "Dr. A. K. Khan" but "you and I. Did": a capital letter after
            # a lower-case word is a word of its own that ends the sentence.
            if len(tok) == 1 and tok.isupper():
                before = _word_before(text, tok_start)
                return bool(before) and before[0].islower()
            return False
        if key in p.abbreviations or _dotted_abbreviation(tok):
            return self._opens_sentence(nxt)
        return True

    def _is_initial(self, tok: str, key: str) -> bool:
        """A letter name listed in the profile, or one letter (with its vowel signs) of one
        of the profile's initial scripts."""
        if key in self.profile.initials:
            return True
        if not tok or (len(tok) > 1 and tok.isascii()) or not self._initial_letter.match(tok):
            return False  # several ASCII characters are never one letter
        return all(unicodedata.category(c).startswith("M") for c in tok[1:])

    def _opens_sentence(self, word: str) -> bool:
        return word[0].isupper() and word.rstrip(".,;:!?'\"”’)").lower() in \
            self.profile.sentence_starters

    # ---- numbered and lettered lists -------------------------------------------------------

    def _list_items(self, text: str, start: int, end: int) -> tuple[list[int], set[int]]:
        """Starts of list items in text[start:end] that form a sequence (1, 2, ... or a, b,
        ...), and the positions of their own stops, which must not end a sentence."""
        found = []
        for m in self._list_stop.finditer(text, start, end):
            stop = m.start()
            item_start = stop - 1
            if item_start < start:
                continue
            if text[item_start] in self._digits:
                if item_start > start and text[item_start - 1] in self._digits:
                    item_start -= 1  # two-digit numbers: "10."
                kind, value = "digit", int(text[item_start:stop])
            elif text[item_start] in self._letters:
                alphabet = next(a for a in self.profile.list_alphabets if text[item_start] in a)
                kind, value = alphabet, alphabet.index(text[item_start])
            else:
                continue
            item_start = _list_item_start(text, item_start, start)
            if item_start >= 0:
                found.append((item_start, stop, kind + m.group("style"), value))
        if len(found) < 2:
            return [], set()
        starts, stops = [], set()
        for i, (item_start, stop, kind, value) in enumerate(found):
            prev_ok = i > 0 and found[i - 1][2] == kind and found[i - 1][3] == value - 1
            next_ok = i + 1 < len(found) and found[i + 1][2] == kind and found[i + 1][3] == value + 1
            if prev_ok or next_ok:
                starts.append(item_start)
                stops.add(stop)
        return starts, stops


def _list_item_start(text: str, pos: int, floor: int) -> int:
    """Where a list item whose number starts at `pos` begins (its bullet included), or -1
    if the number is part of a longer word ("2019." is no list item)."""
    if pos > floor and text[pos - 1] in _BULLETS:
        pos -= 1
    elif pos > floor + 1 and text[pos - 1] == " " and text[pos - 2] in _BULLETS:
        pos -= 2
    return pos if pos == floor or text[pos - 1].isspace() else -1


def _token_before(text: str, pos: int) -> str:
    """The word that ends at `pos` ('' after white space), found without a regex scan.

    The look-back is bounded so that text without spaces costs no more than spaced text;
    a longer word is cut, which changes nothing: no rule treats a long word specially."""
    floor = max(0, pos - _MAX_WORD_LOOKBACK)
    tok = text[text.rfind(" ", floor, pos) + 1 or floor:pos]
    if not tok.isprintable():  # other white space (newline, tab, no-break space) inside
        words = tok.split()
        tok = words[-1] if words and not tok[-1].isspace() else ""
    return tok


def _word_before(text: str, pos: int) -> str:
    """The white-space delimited word that ends before `pos` ('' at the start of the text)."""
    end = pos
    while end > 0 and text[end - 1].isspace():
        end -= 1
    start = end
    while start > 0 and not text[start - 1].isspace():
        start -= 1
    return text[start:end]


def _dotted_abbreviation(tok: str) -> bool:
    """"U.S", "a.m", "এ.কে.এম": short parts joined by dots, no digits."""
    if "." not in tok or any(c.isdigit() for c in tok):
        return False
    return all(0 < len(part) <= _MAX_ABBREVIATION_PART for part in tok.split("."))
