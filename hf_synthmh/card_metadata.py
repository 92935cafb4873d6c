"""Dataset card metadata, checked locally: Hub license identifiers, size categories and the required
keys (``DatasetCard.validate`` is a call to the Hub, so :func:`check_card_metadata` does it here).

    >>> size_category(1500)
    '1K<n<10K'
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import yaml

if TYPE_CHECKING:
    from huggingface_hub import RepoCard

__all__ = ["HUB_LICENSES", "REQUIRED_KEYS", "SIZE_CATEGORIES", "check_card_metadata", "size_category"]

REQUIRED_KEYS = ("license", "language", "task_categories", "tags", "size_categories", "pretty_name")

#: License identifiers the Hub accepts in a card (https://huggingface.co/docs/hub/repositories-licenses).
HUB_LICENSES = frozenset(
    """apache-2.0 mit openrail bigscience-openrail-m creativeml-openrail-m bigscience-bloom-rail-1.0
    bigcode-openrail-m afl-3.0 artistic-2.0 bsl-1.0 bsd bsd-2-clause bsd-3-clause bsd-3-clause-clear c-uda cc
    cc0-1.0 cc-by-2.0 cc-by-2.5 cc-by-3.0 cc-by-4.0 cc-by-sa-3.0 cc-by-sa-4.0 cc-by-nc-2.0 cc-by-nc-3.0
    cc-by-nc-4.0 cc-by-nd-4.0 cc-by-nc-nd-3.0 cc-by-nc-nd-4.0 cc-by-nc-sa-2.0 cc-by-nc-sa-3.0 cc-by-nc-sa-4.0
    cdla-sharing-1.0 cdla-permissive-1.0 cdla-permissive-2.0 wtfpl ecl-2.0 epl-1.0 epl-2.0 etalab-2.0 eupl-1.1
    agpl-3.0 gfdl gpl gpl-2.0 gpl-3.0 lgpl lgpl-2.1 lgpl-3.0 isc lppl-1.3c ms-pl mpl-2.0 odc-by odbl openrail++
    osl-3.0 postgresql ofl-1.1 ncsa unlicense zlib pddl lgpl-lr deepfloyd-if-license llama2 gemma unknown
    other""".split()  # noqa: SIM905 - kept as text, in the order of the Hub's table
)

#: ``size_categories`` values of the Hub, smallest first; category i holds 10**(3+i) <= n < 10**(4+i).
SIZE_CATEGORIES = (
    "n<1K",
    "1K<n<10K",
    "10K<n<100K",
    "100K<n<1M",
    "1M<n<10M",
    "10M<n<100M",
    "100M<n<1B",
    "1B<n<10B",
    "10B<n<100B",
    "100B<n<1T",
    "n>1T",
)

_YAML_BLOCK = re.compile(r"\A\s*---\r?\n(.*?)\r?\n---\s*(?:\r?\n|\Z)", re.DOTALL)
_LANGUAGE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]+)*$")


def size_category(n_rows: int) -> str:
    """The Hub's ``size_categories`` value for ``n_rows`` rows.

    Example:
        >>> [size_category(n) for n in (0, 999, 1000, 9999, 10_000, 10**12)]
        ['n<1K', 'n<1K', '1K<n<10K', '1K<n<10K', '10K<n<100K', 'n>1T']
    """
    if n_rows < 0:
        raise ValueError(f"n_rows must be >= 0, got {n_rows}")
    index = 0
    while index < len(SIZE_CATEGORIES) - 1 and n_rows >= 10 ** (3 + index):
        index += 1
    return SIZE_CATEGORIES[index]


def check_card_metadata(card: RepoCard | str) -> None:
    """Check a card's YAML metadata locally; raise ``ValueError`` naming the first problem.

    ``card`` is a ``RepoCard`` or the text of a README.md. Checks: the YAML parses to a mapping, the keys
    ``license, language, task_categories, tags, size_categories, pretty_name`` are present, the license and
    size categories are Hub values, and, when ``dataset_info`` records splits, the size category fits them.

    Example:
        >>> check_card_metadata("---\\nlicense: mit\\n---\\n# x")
        Traceback (most recent call last):
        ...
        ValueError: card metadata lacks required key(s): language, task_categories, tags, size_categories, pretty_name
    """
    text = card if isinstance(card, str) else str(card)
    match = _YAML_BLOCK.match(text)
    if match is None:
        raise ValueError("card has no YAML metadata block (--- ... --- at the top)")
    try:
        data = yaml.safe_load(match.group(1))
    except yaml.YAMLError as err:
        raise ValueError(f"card metadata is not valid YAML: {err}") from err
    if not isinstance(data, dict):
        raise ValueError(f"card metadata must be a mapping, got {type(data).__name__}")
    missing = [key for key in REQUIRED_KEYS if data.get(key) in (None, "", [])]
    if missing:
        raise ValueError(f"card metadata lacks required key(s): {', '.join(missing)}")
    for license_id in _as_list(data["license"], "license"):
        if license_id not in HUB_LICENSES:
            raise ValueError(f"license {license_id!r} is not a Hub license identifier")
    sizes = _as_list(data["size_categories"], "size_categories")
    for size in sizes:
        if size not in SIZE_CATEGORIES and size != "other":
            raise ValueError(f"size_categories value {size!r} is not one of {', '.join(SIZE_CATEGORIES)}")
    for language in _as_list(data["language"], "language"):
        if not _LANGUAGE.match(language):
            raise ValueError(f"language {language!r} is not an ISO 639 code such as 'en'")
    _as_list(data["task_categories"], "task_categories")
    _as_list(data["tags"], "tags")
    if not isinstance(data["pretty_name"], str):
        raise ValueError("pretty_name must be a string")
    n_examples = _n_examples(data.get("dataset_info"))
    if n_examples is not None and size_category(n_examples) not in sizes:
        raise ValueError(
            f"size_categories {sizes} does not fit the {n_examples} rows recorded in dataset_info "
            f"(expected {size_category(n_examples)!r})"
        )


def _as_list(value: Any, key: str) -> list[str]:
    values = value if isinstance(value, list) else [value]
    if not values or not all(isinstance(v, str) and v for v in values):
        raise ValueError(f"{key} must be a non-empty string or list of strings, got {value!r}")
    return values


def _n_examples(dataset_info: Any) -> int | None:
    infos = dataset_info if isinstance(dataset_info, list) else [dataset_info]
    counts: list[Any] = [
        split.get("num_examples")
        for info in infos
        if isinstance(info, dict)
        for split in info.get("splits") or []
        if isinstance(split, dict)
    ]
    if not counts or not all(isinstance(c, int) for c in counts):
        return None
    return max(counts) if len(infos) > 1 else sum(counts)
