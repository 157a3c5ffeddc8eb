"""lrtk: a command-line toolkit for building language models for low-resource languages."""

__version__ = "0.1.0"
