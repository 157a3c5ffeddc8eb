"""The language codes lrtk knows, and the check every stage applies to a code it is given."""

from __future__ import annotations

from lrtk.errors import UsageError
from lrtk.io.records import Record
from lrtk.text.profile import supported_languages
from lrtk.text.scripts import SCRIPTS


def known_languages() -> list[str]:
    """Codes lrtk has data for: a segmentation profile (lrtk/text/profiles) or a script
    (the script filters' table)."""
    return sorted((set(supported_languages()) - {"generic"}) | set(SCRIPTS))


def check_language(code: str, option: str, rec: Record | None = None) -> str:
    """`code` if lrtk knows it; else an error listing the known codes: a usage error for the
    `option`, or a data error at `rec` when the code came from that record's field `option`."""
    known = known_languages()
    if code not in known:
        hint = f"known: {', '.join(known)}"
        if rec is not None:
            raise rec.error(f"unknown language {code!r} in field '{option}'", hint=hint)
        raise UsageError(f"unknown language {code!r} for {option}", hint=hint)
    return code
