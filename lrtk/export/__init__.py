"""`lrtk export`: Hugging Face checkpoints to low-bit model files for the native runtime."""

from lrtk.export.exporter import QuantSpec, export
from lrtk.export.source import ModelSource, from_hf, random_source

__all__ = ["ModelSource", "QuantSpec", "export", "from_hf", "random_source"]
