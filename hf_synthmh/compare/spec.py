"""Which generators to compare: :class:`GeneratorSpec` and the ``gens.yaml`` file of ``hf-synthmh compare``.

A spec names one generator: a model (Hub id or folder) with an optional peft adapter, a preset, an
OpenAI-compatible endpoint, the demo's tiny toy model (``toy: true``), or, from Python, any ready
backend object. Sampling and retry settings may be set per generator or once under ``defaults``.

The YAML file::

    defaults: {max_new_tokens: 300, max_attempts: 2}
    generators:
      - {name: toy, toy: true}
      - {name: smollm2, model: /models/SmolLM2-135M-Instruct}
      - {name: smollm2-lora, model: /models/SmolLM2-135M-Instruct, adapter: adapters/lora}
      - {name: qwen3, preset: qwen3-8b-nothink, backend: endpoint, base_url: "http://127.0.0.1:8000/v1"}

>>> specs = parse_generators({"defaults": {"max_new_tokens": 50},
...     "generators": [{"name": "a", "model": "m"}, {"name": "b", "toy": True, "temperature": 0.5}]})
>>> [(s.name, s.model, s.toy, s.sampling().max_new_tokens, s.sampling().temperature) for s in specs]
[('a', 'm', False, 50, 0.9), ('b', None, True, 50, 0.5)]
>>> parse_generators({"generators": [{"name": "a", "model": "m", "colour": "red"}]})
Traceback (most recent call last):
...
ValueError: generator 'a': unknown field(s) colour
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from hf_synthmh.backends.base import SamplingSettings
from hf_synthmh.contracts import BackendKind, choices

__all__ = ["GeneratorSpec", "load_generators", "parse_generators"]

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+-]*$")
_SAMPLING = ("max_new_tokens", "temperature", "top_p", "top_k", "repetition_penalty")


@dataclass(frozen=True, kw_only=True)
class GeneratorSpec:
    """One generator of a comparison; ``name`` is its folder under the output and its table row."""

    name: str
    model: str | None = None
    adapter: str | None = None
    preset: str | None = None
    backend: BackendKind = "transformers"
    base_url: str | None = None
    extra_body: Mapping[str, Any] | None = None
    toy: bool = False
    batch_size: int = 8
    max_attempts: int = 3
    require_sections: bool = True
    max_new_tokens: int | None = None
    temperature: float | None = None
    top_p: float | None = None
    top_k: int | None = None
    repetition_penalty: float | None = None
    #: A ready backend (Python only; e.g. a test double). Overrides every model field above.
    backend_object: Any = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        if not _NAME.match(self.name):
            raise ValueError(f"generator name {self.name!r}: use letters, digits, '.', '_', '+' or '-'")
        sources = sum(
            [self.model is not None or self.preset is not None, self.toy, self.backend_object is not None]
        )
        if self.backend not in choices(BackendKind):
            raise ValueError(
                f"generator {self.name!r}: backend {self.backend!r}; use {', '.join(choices(BackendKind))}"
            )
        if sources != 1:
            raise ValueError(
                f"generator {self.name!r}: give one of model/preset, toy: true, or a backend object"
            )

    def sampling(self) -> SamplingSettings:
        """The preset's sampling (or the defaults) with this spec's overrides."""
        from hf_synthmh.backends import preset_sampling

        base = preset_sampling(self.preset)
        overrides = {k: getattr(self, k) for k in _SAMPLING if getattr(self, k) is not None}
        return replace(base, **overrides)

    def build_backend(self) -> Any:
        """The backend this spec names (the toy model is trained once and cached, ~1 minute)."""
        if self.backend_object is not None:
            return self.backend_object
        from hf_synthmh.backends import make_backend

        if self.toy:
            from hf_synthmh.demo.model import demo_model

            return make_backend("transformers", model=str(demo_model()), batch_size=self.batch_size)
        settings: dict[str, Any] = {}
        if self.backend == "transformers":
            settings.update(batch_size=self.batch_size, adapter=self.adapter)
        elif self.adapter is not None:
            raise ValueError(f"generator {self.name!r}: only the transformers backend loads an adapter")
        if self.backend == "endpoint" and self.extra_body:
            settings["extra_body"] = dict(self.extra_body)
        return make_backend(
            self.backend, model=self.model, preset=self.preset, base_url=self.base_url, **settings
        )


def parse_generators(data: Mapping[str, Any]) -> list[GeneratorSpec]:
    """Specs from the YAML structure (``generators`` list, optional ``defaults``); names must differ."""
    if (
        not isinstance(data, Mapping)
        or not isinstance(data.get("generators"), list)
        or not data["generators"]
    ):
        raise ValueError("the generators file needs a non-empty 'generators' list")
    known = {f.name for f in fields(GeneratorSpec)} - {"backend_object"}
    defaults = dict(data.get("defaults") or {})
    specs = []
    for entry in data["generators"]:
        merged = {**defaults, **dict(entry)}
        name = str(merged.get("name", "?"))
        unknown = sorted(set(merged) - known)
        if unknown:
            raise ValueError(f"generator {name!r}: unknown field(s) {', '.join(unknown)}")
        specs.append(GeneratorSpec(**merged))
    names = [s.name for s in specs]
    if len(set(names)) != len(names):
        raise ValueError(f"generator names must differ: {names}")
    return specs


def load_generators(path: str | Path) -> list[GeneratorSpec]:
    """Specs from a YAML file (see the module docs); relative model and adapter paths are resolved
    against the file's folder when they exist there."""
    import yaml

    path = Path(path)
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    specs = parse_generators(data)
    out = []
    for spec in specs:
        changes: dict[str, Any] = {}
        for key in ("model", "adapter"):
            value = getattr(spec, key)
            if value and not Path(value).is_absolute() and (path.parent / value).exists():
                changes[key] = str((path.parent / value).resolve())
        out.append(replace(spec, **changes) if changes else spec)
    return out
