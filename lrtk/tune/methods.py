"""The adapter methods of "Small Models, Big Impact" (Gurgurov et al., 2025) as adapters configs.

- seq_bn: sequential bottleneck adapters after attention and FFN (Pfeiffer), reduction 16;
- seq_bn_inv: the same plus the invertible NICE adapter on the embeddings (MAD-X language
  adapters);
- lora: low-rank updates of the chosen attention matrices (q, v by default).
"""

from __future__ import annotations

from dataclasses import dataclass

from lrtk.errors import UsageError
from lrtk.io.numbers import COUNT, DROPOUT, check_options

METHODS = ("seq_bn", "seq_bn_inv", "lora")
LORA_TARGETS = ("q", "k", "v", "intermediate", "output")
BOTTLENECK = ("seq_bn", "seq_bn_inv")


@dataclass(frozen=True)
class MethodSettings:
    method: str = "seq_bn"
    reduction_factor: int = 16
    lora_r: int = 8
    lora_alpha: int = 8
    lora_targets: tuple[str, ...] = ("q", "v")
    lora_dropout: float = 0.0

    def validate(self) -> None:
        if self.method not in METHODS:
            raise UsageError(f"unknown method {self.method!r}",
                             hint=f"choose one of {', '.join(METHODS)}")
        check_options(self, {"reduction_factor": COUNT, "lora_r": COUNT, "lora_alpha": COUNT,
                             "lora_dropout": DROPOUT})
        bad = [t for t in self.lora_targets if t not in LORA_TARGETS]
        if bad or not self.lora_targets:
            raise UsageError(f"unknown LoRA target(s) {', '.join(bad) or '(none)'}",
                             hint=f"choose from {', '.join(LORA_TARGETS)}")

    def adapter_config(self):
        """The adapters-library config object for this method."""
        from adapters import LoRAConfig, SeqBnConfig, SeqBnInvConfig

        self.validate()
        if self.method == "seq_bn":
            return SeqBnConfig(reduction_factor=self.reduction_factor)
        if self.method == "seq_bn_inv":
            return SeqBnInvConfig(reduction_factor=self.reduction_factor)
        attn = [t for t in self.lora_targets if t in ("q", "k", "v")]
        return LoRAConfig(r=self.lora_r, alpha=self.lora_alpha, dropout=self.lora_dropout,
                          selfattn_lora=bool(attn),
                          attn_matrices=attn or ["q", "v"],
                          intermediate_lora="intermediate" in self.lora_targets,
                          output_lora="output" in self.lora_targets)


def is_adapter_parameter(name: str, adapter: str) -> bool:
    """True for parameters owned by adapter `adapter` (its name is a component of the path)."""
    return adapter in name.split(".")


def adapter_parameter_count(model, adapter: str) -> int:
    return sum(p.numel() for n, p in model.named_parameters() if is_adapter_parameter(n, adapter))
