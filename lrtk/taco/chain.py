"""Pull the final target-language answer out of a generated TaCo chain.

Models do not always write the chain they were trained on: the target part may be
missing, labelled with another name ("Bangla"), empty, or followed by a second chain.
Each case gets a status so callers can count them instead of silently scoring garbage.
"""

from __future__ import annotations

from dataclasses import dataclass

import regex

# Any "Instruction in X:" / "Response in X:" label (X one or two words), wherever it starts.
_LABEL = regex.compile(r"(Instruction|Response)\s+in\s+(\p{L}+(?: \p{L}+)?)\s*:", regex.IGNORECASE)

OK = "ok"                  # target-language part found and non-empty
EMPTY = "empty"            # target label present, nothing after it
NO_TARGET = "no_target"    # chain labels present, but no non-English response
NO_CHAIN = "no_chain"      # no labels at all: the model answered directly


@dataclass
class ChainParse:
    output: str   # the target-language response ("" when there is none)
    status: str


def extract_response(text: str, language: str) -> ChainParse:
    """The text after `Response in <language>:` up to the next chain label.

    Without that exact label, the last response labelled with any non-English language
    is taken (models drift between "Bengali" and "Bangla"). A text with no labels at all
    is returned whole: the model skipped the chain and answered in one part.
    """
    labels = list(_LABEL.finditer(text))
    if not labels:
        stripped = text.strip()
        return ChainParse(stripped, NO_CHAIN if stripped else EMPTY)
    target = language.casefold()
    responses = [m for m in labels if m.group(1).casefold() == "response"
                 and m.group(2).strip().casefold() != "english"]
    exact = [m for m in responses if m.group(2).strip().casefold() == target]
    chosen = exact[0] if exact else (responses[-1] if responses else None)
    if chosen is None:
        return ChainParse("", NO_TARGET)
    following = [m for m in labels if m.start() > chosen.start()]
    end = following[0].start() if following else len(text)
    answer = text[chosen.end():end].strip()
    return ChainParse(answer, OK if answer else EMPTY)

