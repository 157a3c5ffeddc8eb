"""TaCo: translation-assisted chain-of-thought examples, chain extraction, prompt formats."""

from lrtk.taco.build import (InstructionFields, dialogue_records, taco_examples,
                             translation_examples)
from lrtk.taco.chain import ChainParse, extract_response
from lrtk.taco.languages import language_name
from lrtk.taco.templates import instruction_prompt, taco_chain, translation_prompt
from lrtk.taco.translate_cmd import CommandTranslator

__all__ = [
    "ChainParse",
    "CommandTranslator",
    "InstructionFields",
    "dialogue_records",
    "extract_response",
    "instruction_prompt",
    "language_name",
    "taco_chain",
    "taco_examples",
    "translation_examples",
    "translation_prompt",
]
