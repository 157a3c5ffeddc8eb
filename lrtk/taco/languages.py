"""English names of the languages TaCo chains are written in ("Response in Nepali:")."""

from __future__ import annotations

from lrtk.errors import UsageError

LANGUAGE_NAMES = {
    "en": "English",
    "bn": "Bengali",
    "ne": "Nepali",
    "si": "Sinhala",
    "ur": "Urdu",
    "hi": "Hindi",
    "ta": "Tamil",
    "mr": "Marathi",
}


def language_name(code: str, override: str | None = None) -> str:
    """The English name for a language code; --lang-name supplies one for other codes."""
    if override:
        return override
    try:
        return LANGUAGE_NAMES[code]
    except KeyError:
        raise UsageError(f"no language name known for code {code!r}",
                         hint="pass --lang-name, e.g. --lang-name Sinhala") from None
