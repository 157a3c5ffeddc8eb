"""Rule-based sentence segmentation driven by a language profile.

One compiled regular expression finds every place where a sentence *could* end (a cluster of
terminators with its closing quotes and brackets, followed by white space; a danda even
without the space; a paragraph break). Each candidate is then accepted or rejected by a few
cheap rules that look only at the word before it and the word after it, so the cost is one
regex scan per text plus a little Python per candidate, never a loop over characters.

Sentences are returned as (start, end) character offsets into the text; the sentences are
exact substrings (surrounding white space excluded), so callers can keep provenance.
"""

from __future__ import annotations

import re
import unicodedata

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
_MAX_ABBREVIATION_PART = 3  # "U.S.A", "Ph.D", "এ.কে.এম": dotted parts this short are abbreviations


def _char_class(chars: str) -> str:
    """A regex character class body matching exactly `chars` (escaped)."""
    return "".join(re.escape(c) for c in chars)


class Segmenter:
    """Splits text into sentences with the rules of one language profile."""

    def __init__(self, profile: LanguageProfile):
        self.profile = profile
        p = profile
        terms = _char_class(p.terminators)
        closing = _char_class(p.closing)
        # A terminator cluster may contain spaced dots (". . ."), which are one ellipsis.
        cluster = rf"(?:[{terms}](?: (?=\.))?)+"
        alternatives = [
            # A closing quote standing alone after the stop ('done. " Next') still closes it.
            rf"(?<!\S)(?P<tok>\S*?)(?P<term>{cluster})"
            rf"(?P<close>[{closing}]*)(?:[^\S\n]+(?P<loose>[{closing}]+)(?=\s|\Z))?(?=\s|\Z)",
        ]
        if p.strong_terminators:
            strong = _char_class(p.strong_terminators)
            alternatives.append(rf"(?P<strong>[{strong}]+)[{terms}]*[{closing}]*")
        alternatives.append(r"(?P<newline>\n)")
        self._candidates = re.compile("|".join(alternatives))
        self._strong = set(p.strong_terminators)
        digits = _char_class(p.digits)
        letters = _char_class("".join(p.list_alphabets))
        item = rf"[{digits}]{{1,2}}" + (rf"|[{letters}]" if letters else "")
        self._list_marker = re.compile(
            rf"(?<!\S)(?:[{_char_class(_BULLETS)}] ?)?(?P<item>{item})(?P<style>\.\)|\)|\.)(?=\s)")
        self._sentence_lead = re.compile(rf"[\s{_char_class(_BULLETS)}]*")
        self._script = re.compile("[" + "".join(p.script) + "]") if p.script else None

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
        list_cuts, markers = self._list_items(text)
        cuts: list[int] = []
        sentence_start = 0
        pending = iter(list_cuts)
        next_list_cut = next(pending, None)
        for m in self._candidates.finditer(text):
            while next_list_cut is not None and next_list_cut <= m.start():
                cuts.append(next_list_cut)
                sentence_start = next_list_cut
                next_list_cut = next(pending, None)
            if m.lastgroup == "newline":
                cut = m.start()
            elif m.lastgroup == "strong":
                cut = m.end()
            elif m.start("term") in markers:
                continue
            else:
                cut = self._decide(text, m, sentence_start)
            if cut is not None:
                cuts.append(cut)
                sentence_start = cut
        if next_list_cut is not None:
            cuts.append(next_list_cut)
            cuts.extend(pending)
        return sorted(set(cuts))

    def _decide(self, text: str, m: re.Match, sentence_start: int) -> int | None:
        """Where the sentence ends at candidate `m` (usually m.end()), or None if it goes on."""
        term = m.group("term")
        end = m.end()
        loose = m.group("loose")
        if loose and loose[0] in _SYMMETRIC_QUOTES and \
                text.count(loose[0], sentence_start, m.start()) % 2 == 0:
            end = m.end("close")  # the sentence has no open quote: this one opens the next
        nxt = _NEXT_WORD.match(text, end).group(1).lstrip(self.profile.opening)
        if not nxt:
            return end  # end of text: nothing can continue the sentence
        if nxt[0] in _CONTINUATIONS:
            return None  # "ایٹ آل۔ ، نے": no sentence starts with a comma
        if not self._strong.isdisjoint(term):
            return end
        if "?" in term and not m.group("close"):
            return end  # "are you ok? and the fever?": a bare question mark always ends
        if nxt[0].islower():
            return None  # a cased script continues in lower case: "Yahoo! in", "'Great.' she"
        if any(c not in _DOTS for c in term):
            return end  # a question or exclamation mark, alone or with dots
        dots = term.count(".") + 3 * term.count(_ELLIPSIS)
        if dots >= 4:
            # "compounds. . . . The": a full stop, then an ellipsis opening the next sentence.
            if m.group("tok") and term.startswith(". "):
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
        tok = m.group("tok").lstrip(p.opening)
        key = tok.lower()
        first = nxt[0]
        if key in p.prefixes:
            return False
        if key in p.number_prefixes and first.isdigit():
            return False
        if tok[-1:].isdigit():
            # "1. The first item": a small number opening the sentence numbers a list item.
            if len(tok) <= 2 and tok.isdigit():
                return self._sentence_lead.match(text, sentence_start).end() != m.start("tok")
            return True
        if self._is_initial(tok, key):
            # "Jonas E. Smith" / "Dr. A. K. Khan" but "you and I. Did": a capital letter after
            # a lower-case word is a word of its own that ends the sentence.
            if len(tok) == 1 and tok.isupper():
                before = _word_before(text, m.start("tok"))
                return bool(before) and before[0].islower()
            return False
        if key in p.abbreviations or _dotted_abbreviation(tok):
            return first.isupper() and self._opens_sentence(nxt)
        return True

    def _is_initial(self, tok: str, key: str) -> bool:
        """One letter (with its vowel signs), or a letter name listed in the profile."""
        if key in self.profile.initials:
            return True
        if not tok or not tok[0].isalpha():
            return False
        if tok[0].isascii() or (self._script and self._script.match(tok[0])):
            return all(unicodedata.category(c).startswith("M") for c in tok[1:])
        return False

    def _opens_sentence(self, word: str) -> bool:
        return word[0].isupper() and word.rstrip(".,;:!?'\"”’)").lower() in \
            self.profile.sentence_starters

    # ---- numbered and lettered lists -------------------------------------------------------

    def _list_items(self, text: str) -> tuple[list[int], set[int]]:
        """Starts of list items that form a sequence (1, 2, ... or a, b, ...), and the
        positions of their own full stops, which must not end a sentence."""
        found = []
        for m in self._list_marker.finditer(text):
            item = m.group("item")
            if item.isdigit():
                found.append((m.start(), m.start("style"), "digit" + m.group("style"), int(item)))
            else:
                alphabet = next(a for a in self.profile.list_alphabets if item in a)
                found.append((m.start(), m.start("style"), alphabet + m.group("style"),
                              alphabet.index(item)))
        if len(found) < 2:
            return [], set()
        starts, stops = [], set()
        for i, (start, stop, kind, value) in enumerate(found):
            prev_ok = i > 0 and found[i - 1][2] == kind and found[i - 1][3] == value - 1
            next_ok = i + 1 < len(found) and found[i + 1][2] == kind and found[i + 1][3] == value + 1
            if prev_ok or next_ok:
                starts.append(start)
                stops.add(stop)
        return starts, stops


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
