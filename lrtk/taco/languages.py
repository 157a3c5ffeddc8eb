"""English names of the languages TaCo chains are written in ("Response in Nepali:").

The names come from the language profiles of `lrtk.text`, so one file per language says
everything lrtk knows about it.
"""

from __future__ import annotations

from lrtk.errors import UsageError, param


def language_name(code: str, override: str | None = None) -> str:
    """The English name for a language code; --lang-name supplies one for other codes."""
    from lrtk.text.profile import load_profile, supported_languages

    if override:
        return override
    known = [c for c in supported_languages() if c != "generic"]
    if code not in known:
        raise UsageError(f"no language name known for code {code!r}",
                         hint=f"known: {', '.join(known)}; for others pass {param('lang_name')}, "
                              f"e.g. {param('lang_name')} Tamil")
    return load_profile(code).name
