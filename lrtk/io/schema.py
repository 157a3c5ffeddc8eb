"""The records the stages exchange, defined once: field names, types and one error format.

Every stage that reads records validates each one against a schema here (read_jsonl(...,
schema=...)), so a record one stage accepts is accepted by every stage that reads that kind,
and a bad record is the same one-line error wherever it turns up:

    lrtk: error: pairs.jsonl:7: field 'src' must be a string, got a number (a sentence pair is
    {"id", "src", "tgt"[, "src_lang", "tgt_lang", "meta"]})

docs/formats.md describes the same kinds for users; keep the two in step. Fields not listed
are allowed and passed on untouched.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Callable, Union

from lrtk.errors import DataError, UsageError
from lrtk.io.records import Record


@dataclass(frozen=True)
class Type:
    """What a field's value must be: `ok(value)` holds; `name` says it in an error."""

    name: str
    ok: Callable[[object], bool]


# Named functions, not lambdas: a schema travels with pickled objects (DataLoader workers).
def _is_id(value: object) -> bool:
    # JSON writers often number records, so an integer id is read as its decimal form.
    if isinstance(value, str):
        return bool(value.strip())
    return isinstance(value, int) and not isinstance(value, bool)


def _is_text(value: object) -> bool:
    return isinstance(value, str)


def _is_nonempty_text(value: object) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _is_strings(value: object) -> bool:
    return isinstance(value, list) and all(isinstance(s, str) for s in value)


def _is_references(value: object) -> bool:
    return isinstance(value, str) or (_is_strings(value) and bool(value))


def _is_object(value: object) -> bool:
    return isinstance(value, dict)


ID = Type("a non-empty string or an integer", _is_id)
TEXT = Type("a string", _is_text)
NONEMPTY_TEXT = Type("a non-empty string", _is_nonempty_text)
LANG = Type("a language code string", _is_nonempty_text)
STRINGS = Type("a list of strings", _is_strings)
REFERENCES = Type("a string or a non-empty list of strings", _is_references)
OBJECT = Type("a JSON object", _is_object)


@dataclass(frozen=True)
class Field:
    name: str
    type: Union[Type, "Schema"]  # a Schema: a nested JSON object of that kind
    required: bool = True


def _json_type(value: object) -> str:
    """The JSON name of a value's type, for 'got ...' in errors."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "an empty string" if not value.strip() else "a string"
    if isinstance(value, list):
        if not value:
            return "an empty list"
        return "a list" + ("" if _is_strings(value) else " holding non-strings")
    return "a JSON object"


@dataclass(frozen=True)
class Schema:
    """One record kind: `validate(rec)` returns the record or raises its one-line error."""

    kind: str
    fields: tuple[Field, ...]

    @property
    def shape(self) -> str:
        """The kind as users see it in docs/formats.md: {"id", "text"[, "lang"]}."""
        required = ", ".join(f'"{f.name}"' for f in self.fields if f.required)
        optional = ", ".join(f'"{f.name}"' for f in self.fields if not f.required)
        return "{" + required + (f"[, {optional}]" if optional else "") + "}"

    def optional(self, *names: str) -> "Schema":
        """The same kind with `names` optional (stages that number records themselves)."""
        return replace(self, fields=tuple(replace(f, required=f.required and f.name not in names)
                                          for f in self.fields))

    def validate(self, rec: Record) -> Record:
        problem = self._problem(rec, "")
        if problem is not None:
            message, kind, obj = problem
            article = "an" if kind.kind[0] in "aeiou" else "a"
            hint = f"{article} {kind.kind} is {kind.shape}"
            if message.startswith("missing"):
                hint += f"; this one has {', '.join(sorted(map(str, obj))) or 'no fields'}"
            raise rec.error(message, hint=hint)
        return rec

    def _problem(self, obj: dict, prefix: str) -> tuple[str, "Schema", dict] | None:
        """(message, innermost kind, its object) of the first problem, None if valid."""
        missing = [f"'{prefix}{f.name}'" for f in self.fields if f.required and f.name not in obj]
        if missing:
            return f"missing field{'s' if len(missing) > 1 else ''} {', '.join(missing)}", \
                self, obj
        for f in self.fields:
            if f.name not in obj:
                continue
            value = obj[f.name]
            if isinstance(f.type, Schema):
                if not isinstance(value, dict):
                    return (f"field '{prefix}{f.name}' must be a {f.type.kind} (a JSON object), "
                            f"got {_json_type(value)}"), f.type, obj
                inner = f.type._problem(value, f"{prefix}{f.name}.")
                if inner is not None:
                    return inner
            elif not f.type.ok(value):
                return (f"field '{prefix}{f.name}' must be {f.type.name}, "
                        f"got {_json_type(value)}"), self, obj
        return None


def schema(kind: str, *fields: Field) -> Schema:
    return Schema(kind, tuple(fields))


# --- the kinds (docs/formats.md) --------------------------------------------------------------

DOCUMENT = schema("document", Field("id", ID), Field("text", TEXT), Field("lang", LANG, False))

# A segmented document as one side of a document pair: its id is the pair's.
SEGMENTED_SIDE = schema("segmented document", Field("sentences", STRINGS),
                        Field("lang", LANG, False))
SEGMENTED = schema("segmented document", Field("id", ID), Field("sentences", STRINGS),
                   Field("lang", LANG, False))
DOCUMENT_PAIR = schema("document pair", Field("id", ID), Field("src", SEGMENTED_SIDE),
                       Field("tgt", SEGMENTED_SIDE))

SENTENCE_PAIR = schema("sentence pair", Field("id", ID), Field("src", TEXT), Field("tgt", TEXT),
                       Field("src_lang", LANG, False), Field("tgt_lang", LANG, False),
                       Field("meta", OBJECT, False))
# Seed pairs, tuning and TaCo pairs: the line number stands in for a missing id.
TEXT_PAIR = SENTENCE_PAIR.optional("id")
# `lrtk eval --model --test`: several references as a list; `prompt` replaces the default one.
TEST_PAIR = schema("test pair", Field("src", TEXT), Field("tgt", REFERENCES),
                   Field("id", ID, False), Field("prompt", TEXT, False))

# `lrtk taco build` output; curriculum sources; translation tuning data.
EXAMPLE = schema("prompt/target example", Field("id", ID), Field("prompt", TEXT),
                 Field("target", TEXT))


def text_record(field: str = "text") -> Schema:
    """One example of a text corpus (sampling, tokenizer, LM training and tuning data)."""
    return schema("text record", Field(field, TEXT), Field("id", ID, False))


def instruction_record(instruction: str, response: str, instruction_tgt: str,
                       response_tgt: str) -> Schema:
    """`lrtk taco build --instructions`: English fields and (optional) target-language ones."""
    return schema("instruction record", Field(instruction, NONEMPTY_TEXT),
                  Field(response, NONEMPTY_TEXT), Field(instruction_tgt, TEXT, False),
                  Field(response_tgt, TEXT, False), Field("id", ID, False))


def record_id(rec: Record) -> str:
    """The record's id as a key (an integer id as its decimal form)."""
    return str(rec["id"])


class UniqueIds:
    """Ids seen so far with where they were first seen. A second record under an id is
    an error naming both positions, unless `content` is given and equal (an identical
    duplicate, which the caller may drop)."""

    def __init__(self, what: str = "record"):
        self.what = what
        self._first: dict[str, tuple[str, int, object]] = {}

    def add(self, key: str, path: str, line: int, content: object = None) -> bool:
        """True for a new id, False for an identical repeat."""
        first = self._first.get(key)
        if first is None:
            self._first[key] = (path, line, content)
            return True
        if content is not None and content == first[2]:
            return False
        differs = f" for a different {self.what}" if content is not None else ""
        raise DataError(f"id {key!r} is already used at {first[0]}:{first[1]}{differs}",
                        path=path, line=line, hint="ids must be unique; rename or drop one")


# --- language codes ---------------------------------------------------------------------------

def check_record_language(rec: Record, field: str, value: object, expected: str,
                          option: str) -> None:
    """A record's own language (`value` of `field`; None when absent) must be the run's."""
    if value is not None and value != expected:
        raise rec.error(f"{field} is {value!r} but {option} is {expected!r}",
                        hint=f"give each language its own run, or fix {option}")
