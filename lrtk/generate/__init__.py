"""Text generation with local HF models (and `adapters` adapters), TaCo-aware."""

from lrtk.generate.generator import GenerationSettings, Generator
from lrtk.generate.model import LoadedModel, load_model
from lrtk.generate.records import generate_records, record_prompt

__all__ = ["GenerationSettings", "Generator", "LoadedModel", "generate_records",
           "load_model", "record_prompt"]
