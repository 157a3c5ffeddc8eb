"""Encoder–decoder specifics shared by `lrtk tune`, `lrtk generate` and `lrtk eval`.

T5/mT5 tokenizers have no language tokens: the source and the target are tokenized alike
and end in `</s>`. mBART's tokenizers mark both sides with a language code (`ur_PK`):
mBART-cc25 puts it after `</s>` and the decoder starts from it; mBART-50 puts it first and
generation forces it as the first token. Training and generation must agree, so both take
the codes from here, and the place of the code from the tokenizer itself.
"""

from __future__ import annotations

from lrtk.errors import UsageError, param


def language_codes(tokenizer) -> list[str]:
    """The tokenizer's language codes (mBART, mBART-50); empty for T5/mT5."""
    return list(getattr(tokenizer, "lang_code_to_id", None) or ())


def _code(tokenizer, value: str | None, option: str) -> str | None:
    """`value` as one of the tokenizer's codes: the code itself, or an ISO code naming
    exactly one (`ur` -> `ur_PK`). None keeps the tokenizer's own choice."""
    if value is None:
        return None
    codes = language_codes(tokenizer)
    if value in codes:
        return value
    matches = [c for c in codes if c.split("_")[0] == value]
    if len(matches) == 1:
        return matches[0]
    raise UsageError(f"{option} {value!r} is not a language code of this tokenizer",
                     hint="one of " + ", ".join(codes[:8]) + (", ..." if len(codes) > 8 else ""))


def set_languages(tokenizer, src_lang: str | None, tgt_lang: str | None) -> None:
    """Point an mBART tokenizer at the source and target codes (the target defaults to the
    source: summarization stays in one language). T5 tokenizers are left alone."""
    if not language_codes(tokenizer):
        return
    src = _code(tokenizer, src_lang, param("src_lang")) or tokenizer.src_lang
    tokenizer.src_lang = src  # the setter re-writes the source special tokens
    tokenizer.tgt_lang = _code(tokenizer, tgt_lang, param("tgt_lang")) or src


def encode_source(tokenizer, text: str) -> list[int]:
    return tokenizer(text)["input_ids"]


def encode_target(tokenizer, text: str) -> list[int]:
    if language_codes(tokenizer):
        return tokenizer(text_target=text)["input_ids"]
    return tokenizer(text)["input_ids"]


def generation_start(tokenizer) -> dict:
    """The `generate` arguments that begin a target the way `encode_target` trained it."""
    if not language_codes(tokenizer):
        return {}
    code = tokenizer.convert_tokens_to_ids(tokenizer.tgt_lang)
    ids = encode_target(tokenizer, "x")
    if ids[0] == code:          # mBART-50: [code] text </s>
        return {"forced_bos_token_id": code}
    return {"decoder_start_token_id": code}   # mBART-cc25: text </s> [code], shifted right
