"""How the metrics name the companions of a metric ``m``, declared once for the code that writes them
(:mod:`.report`, :mod:`.diversity`, :mod:`.utility`) and the code that shows them (the card, the CLI
summary, :mod:`.plots`): the real baseline ``real_m`` measured the same way on real reports, and the
bootstrap interval ``m_ci_low`` / ``m_ci_high``.

:func:`metric_layout` lists the cells of one dimension: each shown metric with the keys of its baseline
or interval, which are then not listed on their own.

>>> metric_layout({"self_bleu": 0.7, "real_self_bleu": 0.8, "f1": 0.5, "f1_ci_low": 0.4, "f1_ci_high": 0.6})
[MetricCell(name='self_bleu', baseline='real_self_bleu', interval=None), MetricCell(name='f1', baseline=None, interval=('f1_ci_low', 'f1_ci_high'))]
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

__all__ = ["MetricCell", "baseline_key", "interval_keys", "metric_cell", "metric_layout"]

_BASELINE_PREFIX = "real_"
_CI_SUFFIXES = ("_ci_low", "_ci_high")


def baseline_key(name: str) -> str:
    """The key of ``name``'s real baseline.

    >>> baseline_key("distinct_2")
    'real_distinct_2'
    """
    return _BASELINE_PREFIX + name


def interval_keys(name: str) -> tuple[str, str]:
    """The keys of the low and high ends of ``name``'s confidence interval.

    >>> interval_keys("f1_gain")
    ('f1_gain_ci_low', 'f1_gain_ci_high')
    """
    return name + _CI_SUFFIXES[0], name + _CI_SUFFIXES[1]


class MetricCell(NamedTuple):
    """One shown metric: its key, and the keys of its baseline or interval when the values hold them."""

    name: str
    baseline: str | None = None
    interval: tuple[str, str] | None = None


def metric_cell(values: Mapping[str, Any], name: str) -> MetricCell:
    """The cell of ``name``: with its baseline when ``values`` has one, else with its interval when
    ``values`` has both ends."""
    if baseline_key(name) in values:
        return MetricCell(name, baseline=baseline_key(name))
    low, high = interval_keys(name)
    if low in values and high in values:
        return MetricCell(name, interval=(low, high))
    return MetricCell(name)


def _companion(values: Mapping[str, Any], name: str) -> bool:
    """Whether ``name`` is the baseline or an interval end of another metric in ``values``."""
    if name.startswith(_BASELINE_PREFIX) and name.removeprefix(_BASELINE_PREFIX) in values:
        return True
    return any(name.endswith(end) and name[: -len(end)] in values for end in _CI_SUFFIXES)


def metric_layout(values: Mapping[str, Any]) -> list[MetricCell]:
    """The cells of one dimension's scalar metrics, in the order of ``values`` (see the module example)."""
    return [
        metric_cell(values, name)
        for name, value in values.items()
        if not isinstance(value, Mapping | list) and not _companion(values, name)
    ]
