"""The text formats TaCo training examples use, shared by `taco build`, `generate` and `eval`.

Training and inference must format prompts identically, so every prompt lrtk writes or
sends to a model comes from here.
"""

from __future__ import annotations

PROMPT_TEMPLATE = "### Instruction:\n{instruction}\n\n### Response:\n"

INSTRUCTION_EN = "Instruction in English:"
RESPONSE_EN = "Response in English:"


def response_label(language: str) -> str:
    return f"Response in {language}:"


def instruction_prompt(instruction: str) -> str:
    return PROMPT_TEMPLATE.format(instruction=instruction)


def taco_chain(instruction_en: str, response_en: str, response_tgt: str, language: str) -> str:
    """The three-part target: English instruction, English response, target-language response."""
    return (f"{INSTRUCTION_EN} {instruction_en}\n"
            f"{RESPONSE_EN} {response_en}\n"
            f"{response_label(language)} {response_tgt}")


def translation_instruction(text: str, src_language: str, tgt_language: str) -> str:
    return f"Translate the following {src_language} text into {tgt_language}.\n{text}"


def translation_prompt(text: str, src_language: str, tgt_language: str) -> str:
    return instruction_prompt(translation_instruction(text, src_language, tgt_language))
