"""What every generation backend provides: sampling settings, a request type and the ``Backend`` protocol.

A backend turns requests into raw completions (reasoning not yet removed), one per request, and must be
deterministic per row: the same request and seed give the same completion whatever else is in the batch.

Example:
    >>> SamplingSettings(temperature=0.7).top_p
    0.95
    >>> req = Request(messages=[{"role": "user", "content": "Write a report."}], plain="Report:\\n")
    >>> class Echo:
    ...     name = "echo"
    ...     def generate(self, requests, *, seeds, sampling):
    ...         return [f"{r.plain.strip()} #{s}" for r, s in zip(requests, seeds)]
    >>> isinstance(Echo(), Backend), Echo().generate([req], seeds=[7], sampling=SamplingSettings())
    (True, ['Report: #7'])
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

__all__ = ["Backend", "Request", "SamplingSettings"]


@dataclass(frozen=True, kw_only=True)
class SamplingSettings:
    """Sampling settings shared by all rows of a run.

    ``temperature=0`` means greedy decoding; ``top_k=0`` and ``top_p=1`` switch those filters off.
    """

    max_new_tokens: int = 400
    temperature: float = 0.9
    top_p: float = 0.95
    top_k: int = 0
    repetition_penalty: float = 1.0

    def __post_init__(self) -> None:
        if self.max_new_tokens < 1:
            raise ValueError(f"max_new_tokens must be >= 1, got {self.max_new_tokens}")
        if self.temperature < 0:
            raise ValueError(f"temperature must be >= 0, got {self.temperature}")
        if not 0 < self.top_p <= 1:
            raise ValueError(f"top_p must be in (0, 1], got {self.top_p}")
        if self.top_k < 0:
            raise ValueError(f"top_k must be >= 0, got {self.top_k}")
        if self.repetition_penalty <= 0:
            raise ValueError(f"repetition_penalty must be > 0, got {self.repetition_penalty}")


@dataclass(frozen=True, kw_only=True)
class Request:
    """One prompt in both forms: chat ``messages`` (for tokenizers with a chat template) and ``plain``
    text (for base models without one). Build them with :func:`hf_synthmh.prompts.build_request`."""

    messages: list[dict[str, str]]
    plain: str


@runtime_checkable
class Backend(Protocol):
    """A text generator. ``name`` is recorded in every output row's ``model`` column."""

    @property
    def name(self) -> str: ...

    def generate(
        self, requests: Sequence[Request], *, seeds: Sequence[int], sampling: SamplingSettings
    ) -> list[str]:
        """Raw completions, one per request, in order; ``seeds[i]`` seeds row ``i`` alone."""
        ...
