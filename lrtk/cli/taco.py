"""`lrtk taco build`: TaCo chain-of-thought examples and translation examples for tuning."""

from __future__ import annotations

import itertools
from typing import Optional

import typer

from lrtk.cli import options as opt
from lrtk.cli._outputs import writes
from lrtk.errors import UsageError
from lrtk.io import read_records, write_jsonl
from lrtk.io.progress import info
from lrtk.io.schema import TEXT_PAIR, instruction_record

ORDER = 75

taco_app = typer.Typer(help="TaCo (translation-assisted chain of thought) data.",
                       no_args_is_help=True)


@taco_app.command("build", cls=opt.deprecated({"--lang": "--tgt-lang", "-l": "--tgt-lang",
                                               "-i": "--instructions"}))
@writes("output")
def build(
    instructions: Optional[str] = typer.Option(
        None, "--instructions",
        help="JSONL instruction records with English 'instruction' and 'response' and the "
             "target-language fields 'instruction_<lang>', 'response_<lang>'."),
    instructions_format: str = typer.Option(
        "jsonl", "--instructions-format",
        help="jsonl, or tsv with four columns: instruction, response and their translations."),
    pairs: Optional[str] = typer.Option(
        None, "--pairs", help="Parallel corpus for translation examples in both directions."),
    dialogue: Optional[str] = typer.Option(
        None, "--dialogue", help="English-<lang> sentence pairs in order (a dialogue or running "
                                 "text): TaCo examples with pair i as the instruction and pair "
                                 "i+1 as its response."),
    pairs_format: str = typer.Option(
        "jsonl", "--pairs-format",
        help="Format of --pairs and --dialogue: jsonl (sentence pairs with src/tgt) or tsv "
             "(src TAB tgt)."),
    tgt_lang: str = opt.tgt_lang(help="Target language code (bn, ne, si, ur)."),
    lang_name: Optional[str] = typer.Option(
        None, "--lang-name", help="English name for the chain label, if lrtk does not know it."),
    src_lang: str = opt.src_lang("en", "Language code of the pairs' src side."),
    translate_cmd: Optional[str] = typer.Option(
        None, "--translate-cmd",
        help="Shell command translating English lines on stdin to the target language on "
             "stdout, one line out per line in; {src} and {tgt} become language codes. "
             "Used for target-language fields the records lack."),
    instruction_field: str = typer.Option("instruction", "--instruction-field",
                                          help="Field of the English instruction."),
    response_field: str = typer.Option("response", "--response-field",
                                       help="Field of the English response."),
    output: str = opt.output(help="Output JSONL ('-' = stdout)."),
) -> None:
    """Write TaCo examples (target-language prompt -> English instruction, English response,
    target-language response) and translation examples as JSONL {prompt, target}.

    \b
    Example:
      lrtk taco build --instructions alpaca.jsonl --tgt-lang ne --translate-cmd 'my-mt --to {tgt}' \\
          --pairs tico.en-ne.tsv --pairs-format tsv -o taco.ne.jsonl
    """
    from lrtk.taco import (CommandTranslator, InstructionFields, dialogue_records,
                           language_name, taco_examples, translation_examples)

    if not (instructions or dialogue or pairs):
        raise UsageError("nothing to build", hint="give --instructions, --dialogue or --pairs")
    language = language_name(tgt_lang, lang_name)

    def name_of(code: str) -> str:
        return language_name(code, lang_name if code == tgt_lang else None)

    def read_pairs(path: str):
        return read_records(path, pairs_format, columns=("src", "tgt"), schema=TEXT_PAIR)

    streams = []
    fields = InstructionFields(instruction_field, response_field, tgt_lang)
    if instructions:
        translator = CommandTranslator(translate_cmd, "en", tgt_lang) if translate_cmd else None
        columns = (fields.instruction, fields.response, fields.instruction_tgt,
                   fields.response_tgt)
        records = read_records(instructions, instructions_format, columns=columns,
                               schema=instruction_record(*columns))
        streams.append(taco_examples(records, fields, language, translator=translator))
    if dialogue:
        streams.append(taco_examples(dialogue_records(read_pairs(dialogue), fields, src_lang),
                                     fields, language))
    if pairs:
        name_of(src_lang)  # an unknown code fails here, before any output
        streams.append(translation_examples(read_pairs(pairs), src_lang, tgt_lang, name_of))
    counts: dict[str, int] = {}

    def counted():
        for ex in itertools.chain(*streams):
            counts[ex["task"]] = counts.get(ex["task"], 0) + 1
            yield ex

    write_jsonl(counted(), output)
    info("taco build: " + ", ".join(f"{n} {task} examples" for task, n in counts.items()))


def register(app: typer.Typer) -> None:
    app.add_typer(taco_app, name="taco")
