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

import dataclasses
import hashlib
import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

__all__ = [
    "THINK_CLOSE",
    "THINK_OPEN",
    "Backend",
    "LazyModelSettings",
    "Request",
    "RequestFailure",
    "SamplingSettings",
    "SupportsGenerateEach",
    "folder_fingerprint",
    "merge_system_message",
    "model_name",
    "restore_think",
    "settings_identity",
    "short_model_name",
    "split_reasoning",
    "wrap_reasoning",
]

#: Files up to this size are hashed whole by :func:`folder_fingerprint`; larger ones are sampled.
WHOLE_FILE_LIMIT = 16 << 20
_SAMPLE_BYTES = 1 << 20
_fingerprints: dict[tuple[Any, ...], str] = {}


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


@dataclass(frozen=True)
class RequestFailure:
    """A request that failed for good after the backend's own retries (server errors, timeouts, a server
    that is down): ``reason`` is content-free (``"HTTP 503"``, ``"timeout"``, ``"ConnectError"``)."""

    reason: str


@runtime_checkable
class SupportsGenerateEach(Protocol):
    """A backend whose requests fail one by one (a remote server): :meth:`generate_each` returns a
    :class:`RequestFailure` in place of each request that failed for good, instead of failing the whole
    call, and hands each completion to ``on_result(index, completion)`` as soon as it arrives, so a caller
    can store it before the rest of the call is done."""

    def generate_each(
        self,
        requests: Sequence[Request],
        *,
        seeds: Sequence[int],
        sampling: SamplingSettings,
        on_result: Callable[[int, str], None] | None = None,
    ) -> list[str | RequestFailure]: ...


@dataclass(frozen=True, kw_only=True)
class LazyModelSettings:
    """Base of backends that are frozen dataclasses of settings and load their model on first use.

    The loaded objects live in ``_loaded`` (not compared, not shown, never pickled), so a backend pickles
    to its settings alone: ``datasets`` fingerprints it the same before and after loading and in every
    process, and a ``Dataset.map(num_proc=...)`` worker gets the settings and loads its own model.

    >>> @dataclass(frozen=True, kw_only=True)
    ... class Demo(LazyModelSettings):
    ...     model: str
    >>> demo = Demo(model="m")
    >>> demo._loaded["model"] = object()
    >>> import copy
    >>> clone = copy.copy(demo)  # pickling goes through the same __getstate__ / __setstate__
    >>> demo.__getstate__(), clone == demo, clone._loaded
    ({'model': 'm'}, True, {})
    """

    _loaded: dict[str, Any] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __getstate__(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self) if f.name != "_loaded"}

    def __setstate__(self, state: Mapping[str, Any]) -> None:
        for key, value in state.items():
            object.__setattr__(self, key, value)
        object.__setattr__(self, "_loaded", {})


def model_name(model: str, *, revision: str | None = None, display_name: str | None = None) -> str:
    """``display_name``, else the Hub id (a local path shortened to its folder name, never the full
    path) plus ``@revision``.

    >>> model_name("/models/llama"), model_name("org/m", revision="v1"), model_name("org/m", display_name="x")
    ('llama', 'org/m@v1', 'x')
    """
    if display_name:
        return display_name
    return short_model_name(model) + (f"@{revision}" if revision else "")


def short_model_name(model: str) -> str:
    """A Hub id as is; a local path (existing, absolute, ``./`` or ``~``) as its folder name only.

    >>> short_model_name("Qwen/Qwen3-8B"), short_model_name("./models/tiny")
    ('Qwen/Qwen3-8B', 'tiny')
    """
    path = Path(model).expanduser()
    local = path.exists() or path.is_absolute() or model.startswith((".", "~"))
    return path.name if local and path.name else model


#: Files written beside a model or adapter that do not change what it generates (so adding an audit to
#: an adapter folder keeps its generation cache).
RECORD_FILES = frozenset({"training_log.json", "privacy.json", "canary_audit.json", "canaries.json"})


def folder_fingerprint(model: str) -> str | None:
    """16 hex chars identifying the content of a local model folder, or ``None`` when ``model`` is not a
    folder (a Hub id).

    Files up to :data:`WHOLE_FILE_LIMIT` (config, generation config, tokenizer, chat template, small
    weights) are hashed whole; larger ones (weight shards) by their size plus 1 MiB read at the start, the
    middle and the end, which tells trained checkpoints apart while reading a few MiB of a multi-GB file.
    Hidden files, ``*.md`` and the records written beside an adapter after training (:data:`RECORD_FILES`:
    training log, DP record, canary audit) are skipped. The digest depends on relative paths and content only, so a
    copied folder keeps it; it is computed once per process for an unchanged listing (names, sizes,
    modification times).

    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "config.json").write_text("{}")
    >>> first = folder_fingerprint(str(folder))
    >>> _ = (folder / "config.json").write_text('{"a": 1}')
    >>> len(first), first != folder_fingerprint(str(folder)), folder_fingerprint("org/model")
    (16, True, None)
    >>> second = folder_fingerprint(str(folder))
    >>> _ = (folder / "canary_audit.json").write_text("{}")
    >>> second == folder_fingerprint(str(folder))
    True
    """
    root = Path(model).expanduser()
    if not root.is_dir():
        return None
    files = sorted(
        (path.relative_to(root).as_posix(), path)
        for path in root.rglob("*")
        if path.is_file()
        and path.suffix != ".md"
        and path.name not in RECORD_FILES
        and not any(part.startswith(".") for part in path.relative_to(root).parts)
    )
    listing = tuple((rel, path.stat().st_size, path.stat().st_mtime_ns) for rel, path in files)
    memo_key = (str(root.resolve()), listing)
    if memo_key not in _fingerprints:
        digest = hashlib.sha256()
        for (rel, path), (_, size, _) in zip(files, listing, strict=True):
            digest.update(f"{rel}\0{size}\0".encode())
            with path.open("rb") as handle:
                if size <= WHOLE_FILE_LIMIT:
                    digest.update(handle.read())
                    continue
                for offset in (0, size // 2, size - _SAMPLE_BYTES):
                    handle.seek(offset)
                    digest.update(handle.read(_SAMPLE_BYTES))
        _fingerprints[memo_key] = digest.hexdigest()[:16]
    return _fingerprints[memo_key]


def settings_identity(name: str, **settings: Any) -> str:
    """``name#`` plus 12 hex chars of the sha256 of the settings' canonical JSON (a backend's
    ``cache_identity``).

    >>> settings_identity("m", a=1) == settings_identity("m", a=1) != settings_identity("m", a=2)
    True
    """
    canonical = json.dumps(settings, sort_keys=True, default=str, separators=(",", ":"))
    return f"{name}#{hashlib.sha256(canonical.encode()).hexdigest()[:12]}"


# -- reasoning blocks: the one place that knows the <think> markers ----------------------------------
#: The markers of a reasoning block. Backends return them in the raw completion; the generator splits
#: the reasoning off with :func:`split_reasoning`.
THINK_OPEN, THINK_CLOSE = "<think>", "</think>"
_THINK_BLOCK = re.compile(re.escape(THINK_OPEN) + r"(.*?)" + re.escape(THINK_CLOSE), re.DOTALL)


def restore_think(prompt: str, completion: str) -> str:
    """``completion`` with ``<think>`` put back in front when ``prompt`` ends inside an open reasoning
    block (DeepSeek-R1 distills' chat templates open it in the generation prompt), so that
    :func:`split_reasoning` sees the whole block.

    >>> restore_think("User: hi\\nAssistant: <think>\\n", "plan</think>Report")
    '<think>plan</think>Report'
    >>> restore_think("<think>a</think> User: hi", "Report")
    'Report'
    """
    opened = prompt.rfind(THINK_OPEN) > prompt.rfind(THINK_CLOSE)
    return THINK_OPEN + completion if opened else completion


def wrap_reasoning(content: str, reasoning: str | None) -> str:
    """One raw completion with the reasoning in ``<think>...</think>`` in front of the report (for APIs
    that return the reasoning in a separate field).

    >>> wrap_reasoning("Report", "plan")
    '<think>plan</think>\\n\\nReport'
    >>> wrap_reasoning("plan</think>\\n\\nReport", None)  # the template opened the block in the prompt
    '<think>plan</think>\\n\\nReport'
    """
    if reasoning and reasoning.strip():
        return f"{THINK_OPEN}{reasoning.strip()}{THINK_CLOSE}\n\n{content}"
    close, opening = content.find(THINK_CLOSE), content.find(THINK_OPEN)
    if close != -1 and (opening == -1 or close < opening):
        return THINK_OPEN + content
    return content


def split_reasoning(text: str) -> tuple[str, str]:
    """Split a completion into ``(report, reasoning)``, both stripped.

    Removes ``<think>...</think>`` blocks; a leading stray ``</think>`` (the chat template opened the
    block inside the prompt, as DeepSeek-R1 distills do) ends reasoning that started at the beginning; an
    unclosed ``<think>`` (the model ran out of tokens while thinking) makes the rest reasoning.

    >>> split_reasoning("plan the report</think>\\n\\nReason for referral")
    ('Reason for referral', 'plan the report')
    >>> split_reasoning("<think>still thinking")
    ('', 'still thinking')
    >>> split_reasoning("No reasoning here.")
    ('No reasoning here.', '')
    """
    parts: list[str] = []
    close, opening = text.find(THINK_CLOSE), text.find(THINK_OPEN)
    if close != -1 and (opening == -1 or close < opening):
        parts.append(text[:close])
        text = text[close + len(THINK_CLOSE) :]

    def _keep(match: re.Match[str]) -> str:
        parts.append(match.group(1))
        return ""

    text = _THINK_BLOCK.sub(_keep, text)
    opening = text.find(THINK_OPEN)
    if opening != -1:
        parts.append(text[opening + len(THINK_OPEN) :])
        text = text[:opening]
    reasoning = "\n\n".join(p.strip() for p in parts if p.strip())
    return text.strip(), reasoning


def merge_system_message(messages: Sequence[Mapping[str, str]]) -> list[dict[str, str]]:
    """Fold system messages into the first user message (for models trained without a system prompt)."""
    system = "\n\n".join(m["content"] for m in messages if m["role"] == "system" and m["content"])
    rest = [dict(m) for m in messages if m["role"] != "system"]
    if system:
        first = next((m for m in rest if m["role"] == "user"), None)
        if first is None:
            rest.insert(0, {"role": "user", "content": system})
        else:
            first["content"] = f"{system}\n\n{first['content']}"
    return rest
