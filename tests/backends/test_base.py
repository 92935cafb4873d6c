"""SamplingSettings and the Backend protocol."""

from __future__ import annotations

import dataclasses

import pytest

from hf_synthmh.backends import Backend, Request, SamplingSettings


def test_sampling_defaults_are_frozen_and_keyword_only() -> None:
    s = SamplingSettings()
    assert (s.max_new_tokens, s.temperature, s.top_p, s.top_k, s.repetition_penalty) == (
        400,
        0.9,
        0.95,
        0,
        1.0,
    )
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.temperature = 0.5  # type: ignore[misc]
    with pytest.raises(TypeError):
        SamplingSettings(100)  # type: ignore[misc]


@pytest.mark.parametrize(
    "bad",
    [
        {"max_new_tokens": 0},
        {"temperature": -0.1},
        {"top_p": 0.0},
        {"top_p": 1.5},
        {"top_k": -1},
        {"repetition_penalty": 0.0},
    ],
)
def test_sampling_validation(bad: dict) -> None:
    with pytest.raises(ValueError):
        SamplingSettings(**bad)


def test_protocol_accepts_any_object_with_name_and_generate() -> None:
    class Fake:
        name = "fake"

        def generate(
            self, requests: list[Request], *, seeds: list[int], sampling: SamplingSettings
        ) -> list[str]:
            return ["x" for _ in requests]

    assert isinstance(Fake(), Backend)
    assert not isinstance(object(), Backend)
