"""Record streams between stages: JSONL on stdin/stdout or files, .gz, TSV and text edges."""

from lrtk.io.atomic import atomic_dir, atomic_output, output_group, write_json
from lrtk.io.lines import open_lines, read_lines
from lrtk.io.records import (
    RecordReader,
    read_jsonl,
    read_records,
    write_jsonl,
    write_records,
)

__all__ = [
    "RecordReader",
    "atomic_dir",
    "atomic_output",
    "open_lines",
    "output_group",
    "read_jsonl",
    "read_lines",
    "read_records",
    "write_json",
    "write_jsonl",
    "write_records",
]
