"""HTML building blocks of the report: one static page, no script, nothing loaded from outside.

The Content-Security-Policy forbids every load except the page's own inline styles, so a
browser refuses (and reports on its console) anything that would need a network or another
file: the page is complete on its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from typing import Iterable, Sequence

from lrtk.charts.plots import inline

CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"

STYLE = """
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0 auto;
       max-width: 1100px; padding: 0 1.5em 3em; color: #1b1b1b; background: #fff; }
h1 { margin: 1em 0 0.2em; }
h2 { margin-top: 2em; border-bottom: 1px solid #ddd; padding-bottom: 0.2em; }
nav a { margin-right: 0.8em; white-space: nowrap; }
table { border-collapse: collapse; margin: 0.6em 0 1em; font-size: 13px; }
th, td { border: 1px solid #ddd; padding: 0.25em 0.6em; text-align: left; vertical-align: top; }
th { background: #f4f4f4; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
code, pre { font: 12px/1.4 ui-monospace, "DejaVu Sans Mono", monospace; }
td code { white-space: pre-wrap; word-break: break-all; }
summary code { white-space: nowrap; }
pre { background: #f6f6f6; padding: 0.6em; overflow-x: auto; white-space: pre-wrap; }
figure { margin: 0.6em 0 1.2em; }
figure svg { max-width: 100%; height: auto; }
figcaption { color: #555; font-size: 12px; }
p.note { color: #8a5a00; background: #fff7e0; border-left: 3px solid #e0a800; padding: 0.3em 0.6em; }
"""


@dataclass
class Section:
    id: str
    title: str
    body: str = ""
    note: str = ""  # set when the section is left out: why


def e(value) -> str:
    return escape(str(value), quote=True)


def table(header: Sequence[str], rows: Iterable[Sequence], numeric: Sequence[int] = ()) -> str:
    """Cells are escaped text, except those already wrapped by `raw()`; `numeric` columns
    are right-aligned."""
    head = "".join(f"<th>{e(h)}</th>" for h in header)
    body = []
    for row in rows:
        cells = "".join(('<td class="num">' if i in numeric else "<td>") + _cell(c) + "</td>"
                        for i, c in enumerate(row))
        body.append(f"<tr>{cells}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


class Raw(str):
    """HTML that a table cell takes as is."""


def raw(html: str) -> Raw:
    return Raw(html)


def code(text: str) -> Raw:
    return Raw(f"<code>{e(text)}</code>")


def _cell(value) -> str:
    return value if isinstance(value, Raw) else e(value)


def figure(svg: str | None, caption: str) -> str:
    if svg is None:
        return ""
    return f"<figure>{inline(svg)}<figcaption>{e(caption)}</figcaption></figure>"


def note(text: str) -> str:
    return f'<p class="note">{e(text)}</p>'


def page(title: str, subtitle: str, notes: Sequence[str], sections: Sequence[Section]) -> str:
    nav = " ".join(f'<a href="#{s.id}">{e(s.title)}</a>' for s in sections if not s.note)
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{e(title)}</title><style>{STYLE}</style></head><body>",
        f"<h1>{e(title)}</h1><p>{e(subtitle)}</p><nav>{nav}</nav>",
        *[note(n) for n in notes],
    ]
    for s in sections:
        if s.note:
            parts.append(note(f"{s.title}: left out, {s.note}."))
        else:
            parts.append(f'<section id="{s.id}"><h2>{e(s.title)}</h2>{s.body}</section>')
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"
