"""Synthetic mental-health evaluation reports for Hugging Face datasets.

What a user imports, from one place (loaded on first use, so ``import hf_synthmh`` is cheap)::

    from hf_synthmh import Generator, PlanOptions, augment, load_demo_corpus, make_backend, write_outputs

    real = load_demo_corpus()  # or read_table("reports.jsonl"): id, text, label (ICD-10 codes)
    generator = Generator(backend=make_backend("transformers", model="Qwen/Qwen3-8B"))
    result = augment(real, generator=generator, plan=PlanOptions(per_label=20))
    paths = write_outputs(result, "out/")

Stage by stage: :func:`plan_dataset`, :func:`generate_dataset`, :func:`apply_gate`, :func:`evaluate_splits`
(or :func:`evaluate_corpus` on plain lists), :func:`build_card`, :func:`write_hub_folder`,
:func:`push_to_hub`. Column names and types of every stage: :mod:`hf_synthmh.contracts`.

>>> import hf_synthmh
>>> hf_synthmh.make_backend("transformers", model="Qwen/Qwen3-8B").name
'Qwen/Qwen3-8B'
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from hf_synthmh.backends import SamplingSettings, make_backend
    from hf_synthmh.card import build_card
    from hf_synthmh.demo.corpus import load_demo_corpus
    from hf_synthmh.gate import GateSettings, apply_gate, gate_summary
    from hf_synthmh.generate import Generator, generate_dataset
    from hf_synthmh.io import read_table
    from hf_synthmh.metrics import MetricsOptions, evaluate_corpus, evaluate_splits
    from hf_synthmh.pipeline import AugmentResult, PlanOptions, SplitNames, augment, write_outputs
    from hf_synthmh.plan import plan_dataset
    from hf_synthmh.publish import push_to_hub, write_hub_folder

__version__ = "0.1.0"

#: Public name -> the module that defines it.
_WHERE = {
    "AugmentResult": "hf_synthmh.pipeline",
    "GateSettings": "hf_synthmh.gate",
    "Generator": "hf_synthmh.generate",
    "MetricsOptions": "hf_synthmh.metrics",
    "PlanOptions": "hf_synthmh.pipeline",
    "SamplingSettings": "hf_synthmh.backends",
    "SplitNames": "hf_synthmh.pipeline",
    "apply_gate": "hf_synthmh.gate",
    "augment": "hf_synthmh.pipeline",
    "build_card": "hf_synthmh.card",
    "evaluate_corpus": "hf_synthmh.metrics",
    "evaluate_splits": "hf_synthmh.metrics",
    "gate_summary": "hf_synthmh.gate",
    "generate_dataset": "hf_synthmh.generate",
    "load_demo_corpus": "hf_synthmh.demo.corpus",
    "make_backend": "hf_synthmh.backends",
    "plan_dataset": "hf_synthmh.plan",
    "push_to_hub": "hf_synthmh.publish",
    "read_table": "hf_synthmh.io",
    "write_hub_folder": "hf_synthmh.publish",
    "write_outputs": "hf_synthmh.pipeline",
}

__all__ = [
    "AugmentResult",
    "GateSettings",
    "Generator",
    "MetricsOptions",
    "PlanOptions",
    "SamplingSettings",
    "SplitNames",
    "apply_gate",
    "augment",
    "build_card",
    "evaluate_corpus",
    "evaluate_splits",
    "gate_summary",
    "generate_dataset",
    "load_demo_corpus",
    "make_backend",
    "plan_dataset",
    "push_to_hub",
    "read_table",
    "write_hub_folder",
    "write_outputs",
]


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        value = getattr(importlib.import_module(_WHERE[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
