"""The CLI contracts: files in, files out, and a non-zero exit naming the problem on bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hf_synthmh.cli import main

REAL = [
    {
        "text": (
            "Reason for referral: low mood for four months after redundancy. History: early waking, poor "
            "appetite, loss of interest in football and guilt about money. Mental state: tearful, slowed "
            "speech, no psychotic features. Risk: passive thoughts of death without plans. Impression: "
            "F32.1 moderate depressive episode. Plan: sertraline 50 mg and behavioural activation."
        ),
        "label": "F32.1",
    },
    {
        "text": (
            "Reason for referral: constant worry about work and health for over a year. History: muscle "
            "tension, poor sleep, irritability, GAD-7 16. Mental state: restless, anxious affect, thought "
            "content dominated by catastrophic predictions. Risk: low. Impression: F41.1 generalized "
            "anxiety disorder. Plan: CBT referral and review in six weeks."
        ),
        "label": "F41.1",
    },
]
NOVEL = {
    "text": (
        "Referral reason: the patient described months of flat mood and withdrawal from friends after a "
        "bereavement. Sleep is broken and concentration poor; PHQ-9 17. Mental state examination found "
        "psychomotor slowing and a depressed affect without perceptual disturbance. Risk assessment: no "
        "current intent. Impression: F32.1. Plan: start mirtazapine 15 mg at night, review in two weeks."
    ),
    "label": "F32.1",
}
PHI = {
    "text": (
        "Reason for referral: Mr Jonathan Okonkwo (DOB 14/03/1987, MRN 4821937) was seen today with worry "
        "about his finances. He can be reached on 07700 900123. Impression: F41.1. Plan: CBT."
    ),
    "label": "F41.1",
}


def _jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def _run(args: list[str]) -> int:
    with pytest.raises(SystemExit) as info:
        main(args)
        raise SystemExit(0)
    return int(info.value.code or 0)


def test_scan_writes_kept_rejected_and_report(tmp_path: Path) -> None:
    real = _jsonl(tmp_path / "real.jsonl", REAL)
    syn = _jsonl(tmp_path / "syn.jsonl", [NOVEL, PHI, REAL[0]])
    out = tmp_path / "scan"
    assert _run(["scan", "--real", str(real), "--synthetic", str(syn), "--out", str(out)]) == 0
    kept = [json.loads(x) for x in (out / "kept.jsonl").read_text().splitlines()]
    rejected = [json.loads(x) for x in (out / "rejected.jsonl").read_text().splitlines()]
    assert [r["text"] for r in kept] == [NOVEL["text"]]
    by_text = {r["text"]: r for r in rejected}
    assert any(reason.startswith("phi:") for reason in by_text[PHI["text"]]["reject_reasons"])
    assert any(reason.startswith("membership:") for reason in by_text[REAL[0]["text"]]["reject_reasons"])
    assert by_text[REAL[0]["text"]]["label"] == "F32.1"  # codes, not ClassLabel ints
    report = json.loads((out / "scan_report.json").read_text())
    assert report["n_in"] == 3 and report["n_kept"] == 1
    assert sum(1 for k in report["counts"] if k.startswith("phi:")) >= 1
    assert report["counts_per_label"]["F41.1"]


def test_evaluate_writes_the_contract(tmp_path: Path) -> None:
    real = _jsonl(tmp_path / "real.jsonl", REAL)
    syn = _jsonl(tmp_path / "syn.jsonl", [NOVEL, REAL[1]])
    out = tmp_path / "m" / "metrics.json"
    code = _run(
        ["evaluate", "--real", str(real), "--synthetic", str(syn), "--holdout", str(syn), "--out", str(out)]
    )
    assert code == 0
    metrics = json.loads(out.read_text())
    for key in ("fidelity", "diversity", "privacy", "per_label"):
        assert key in metrics
    assert set(metrics["per_label"]) == {"F32.1", "F41.1"}
    assert all(isinstance(v, (int, float)) for v in metrics["privacy"].values())
    assert metrics["privacy"]["exact_match_rate"] == pytest.approx(0.5)


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([{"body": "x", "label": "F32.1"}], "missing column"),
        ([{"text": "", "label": "F32.1"}], "empty or missing text"),
        ([{"text": "fine", "label": "F32.7"}], "unknown ICD-10 code"),
    ],
)
def test_bad_input_exits_non_zero_naming_the_problem(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], rows: list[dict], message: str
) -> None:
    real = _jsonl(tmp_path / "real.jsonl", REAL)
    syn = _jsonl(tmp_path / "syn.jsonl", rows)
    code = _run(["scan", "--real", str(real), "--synthetic", str(syn), "--out", str(tmp_path / "o")])
    assert code == 2
    err = capsys.readouterr().err
    assert message in err and "syn.jsonl" in err


def test_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    real = _jsonl(tmp_path / "real.jsonl", REAL)
    code = _run(["evaluate", "--real", str(real), "--synthetic", str(tmp_path / "nope.csv")])
    assert code == 2
    assert "nope.csv: no such file" in capsys.readouterr().err


def test_usage_error_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(["scan", "--real", "x"]) == 2


def test_generate_with_a_local_model(tmp_path: Path) -> None:
    from hf_synthmh.testing.tiny_models import build_tiny_llama

    model = build_tiny_llama(tmp_path / "llama")
    real = _jsonl(tmp_path / "real.jsonl", REAL)
    out = tmp_path / "gen"
    args = ["generate", "--real", str(real), "--out", str(out), "--model", str(model), "--per-label", "2"]
    assert _run([*args, "--max-new-tokens", "16", "--max-attempts", "1"]) == 0
    report = json.loads((out / "scan_report.json").read_text())
    failed = (out / "failed.jsonl").read_text().splitlines()
    assert report["n_in"] + len(failed) == 4  # 2 codes x 2, each either gated or recorded as failed
    assert (out / "published" / "README.md").is_file()
    assert len(list((out / "generation_cache").rglob("*.json"))) == 4  # one cached completion per request


class _Echo:
    name = "echo"

    def generate(self, requests: list, *, seeds: list[int], sampling: object) -> list[str]:
        return [f"report {s}" for s in seeds]


def test_generate_names_a_field_the_server_refuses(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from backends.serve_helpers import FakeChatServer

    real = _jsonl(tmp_path / "real.jsonl", REAL)
    strict = ("model", "messages", "max_tokens", "temperature", "top_p", "stream")  # no "seed"
    with FakeChatServer(_Echo(), known_fields=strict, refusal="pydantic") as server:
        args = ["generate", "--real", str(real), "--out", str(tmp_path / "o"), "--backend", "endpoint"]
        code = _run(
            [*args, "--base-url", server.url, "--model", "m", "--per-label", "1", "--max-attempts", "1"]
        )
    err = capsys.readouterr().err
    assert code == 1 and "Traceback" not in err
    assert "HTTP 422 (request field 'seed'): seed: Extra inputs are not permitted" in " ".join(err.split())
    assert len(server.bodies) == len(server.attempts) == sum(server.attempts.values())  # never retried


def test_generate_can_drop_refused_optional_fields(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    from backends.serve_helpers import FakeChatServer

    real = _jsonl(tmp_path / "real.jsonl", REAL)
    strict = ("model", "messages", "max_tokens", "temperature", "top_p", "stream")  # no "seed"
    with FakeChatServer(_Echo(), known_fields=strict, refusal="detail") as server:
        args = ["generate", "--real", str(real), "--out", str(tmp_path / "o"), "--backend", "endpoint"]
        args += ["--base-url", server.url, "--model", "m", "--per-label", "2", "--max-attempts", "1"]
        extra = [
            "--extra-body",
            '{"presence_penalty": 0.5}',
            "--drop-unsupported-fields",
            "--max-concurrency",
            "1",
        ]
        assert _run([*args, *extra]) == 0
    assert [b for b in server.bodies if "presence_penalty" in b or "seed" in b][:1] == server.bodies[:1]
    assert all("seed" not in b and "presence_penalty" not in b for b in server.bodies[2:])
    assert len(server.bodies) == 4 + 2  # each refused field costs one request, once
    assert "refused the optional request field 'presence_penalty'" in caplog.text
    assert "refused the optional request field 'seed'" in caplog.text


def test_generate_with_an_adapter(tmp_path: Path) -> None:
    from hf_synthmh.finetune.dp import PRIVACY_FILE
    from hf_synthmh.testing.tiny_models import build_lora_adapter, build_tiny_llama

    model = build_tiny_llama(tmp_path / "llama")
    adapter = build_lora_adapter(model, tmp_path / "lora")
    dp_record = {"epsilon": 7.5, "delta": 1e-4, "noise_multiplier": 0.9, "max_grad_norm": 1.0, "steps": 12}
    (adapter / PRIVACY_FILE).write_text(json.dumps(dp_record))  # as `finetune --dp-epsilon` leaves it
    real = _jsonl(tmp_path / "real.jsonl", REAL)
    outputs, cards = {}, {}
    for name, extra in (("base", []), ("lora", ["--adapter", str(adapter)])):
        out = tmp_path / name
        args = ["generate", "--real", str(real), "--out", str(out), "--model", str(model), "--per-label", "1"]
        assert _run([*args, "--max-new-tokens", "16", "--max-attempts", "1", *extra]) == 0
        entries = sorted((out / "generation_cache").rglob("*.json"))
        outputs[name] = sorted(json.loads(p.read_text())["completion"] for p in entries)
        cards[name] = (out / "published" / "README.md").read_text()
    assert len(outputs["base"]) == 2 and outputs["base"] != outputs["lora"]  # the adapter changes the text
    assert "DP-SGD" in cards["lora"] and "ε = 7.5" in cards["lora"]  # the adapter's guarantee is stated
    assert "DP-SGD" not in cards["base"]


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--model", "x", "--backend", "endpoint", "--per-label", "1"], "--base-url"),
        (["--model", "x", "--per-label", "1", "--backend", "vllm", "--adapter", "lora"], "--adapter"),
        (["--model", "x", "--per-label", "1", "--extra-body", '{"top_k": 1}'], "--extra-body"),
        (
            [
                "--model",
                "x",
                "--backend",
                "endpoint",
                "--base-url",
                "http://127.0.0.1:1/v1",
                "--per-label",
                "1",
                "--extra-body",
                "[1]",
            ],
            "JSON object",
        ),
        (["--preset", "no-such-preset", "--per-label", "1"], "unknown preset"),
        (["--model", "x"], "--per-label"),
    ],
)
def test_generate_bad_options(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], extra: list[str], message: str
) -> None:
    real = _jsonl(tmp_path / "real.jsonl", REAL)
    assert _run(["generate", "--real", str(real), "--out", str(tmp_path / "o"), *extra]) == 2
    assert message in capsys.readouterr().err


def test_evaluate_with_test_split_plots_and_dropped_sections(tmp_path: Path) -> None:
    real = _jsonl(tmp_path / "real.jsonl", REAL * 3)
    syn = _jsonl(tmp_path / "syn.jsonl", [NOVEL, REAL[1]])
    test = _jsonl(tmp_path / "test.jsonl", [NOVEL, REAL[1]])
    out, plots = tmp_path / "metrics.json", tmp_path / "plots"
    args = [
        "evaluate",
        "--real",
        str(real),
        "--synthetic",
        str(syn),
        "--holdout",
        str(test),
        "--test",
        str(test),
    ]
    args += ["--out", str(out), "--plots", str(plots), "--embed", "hashed", "--bootstrap", "50"]
    assert _run([*args, "--drop-sections", "impression,plan"]) == 0
    metrics = json.loads(out.read_text())
    assert metrics["utility"]["n_test"] == 2 and metrics["utility"]["n_bootstrap"] == 50
    assert set(metrics["per_label"]["F41.1"]["utility"]) >= {
        "real_only_f1",
        "real_plus_synthetic_f1",
        "f1_gain",
    }
    assert metrics["privacy"]["dcr_share"] is not None  # the holdout reached the metrics
    for path in metrics["plots"].values():
        assert (plots / path).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # the sections the classifiers see change the utility classifiers' input, nothing else
    assert _run([*args, "--drop-sections", "history"]) == 0
    other = json.loads(out.read_text())
    assert other["diversity"] == metrics["diversity"]


def test_evaluate_rejects_unknown_section(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    real = _jsonl(tmp_path / "real.jsonl", REAL)
    code = _run(["evaluate", "--real", str(real), "--synthetic", str(real), "--drop-sections", "diagnosis"])
    assert code == 2
    assert "unknown section(s) diagnosis" in capsys.readouterr().err


def test_scan_redact_policy_keeps_redacted_rows(tmp_path: Path) -> None:
    real = _jsonl(tmp_path / "real.jsonl", REAL)
    syn = _jsonl(tmp_path / "syn.jsonl", [NOVEL, PHI])
    out = tmp_path / "scan"
    assert (
        _run(
            [
                "scan",
                "--real",
                str(real),
                "--synthetic",
                str(syn),
                "--out",
                str(out),
                "--phi-policy",
                "redact",
            ]
        )
        == 0
    )
    kept = [json.loads(x) for x in (out / "kept.jsonl").read_text().splitlines()]
    assert len(kept) == 2
    redacted = next(r for r in kept if r["phi_redacted"])
    assert (
        "<PERSON>" in redacted["text"]
        and "Okonkwo" not in redacted["text"]
        and "4821937" not in redacted["text"]
    )
    report = json.loads((out / "scan_report.json").read_text())
    assert report["n_redacted"] == 1 and report["settings"]["phi_policy"] == "redact"
    assert set(report["timings"]) >= {"phi_s", "redact_s", "membership_s"}


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--phi-policy", "mask"], "use drop or redact"),
        (["--embedding-check"], "--embedding-check needs --holdout"),
    ],
)
def test_scan_rejects_bad_gate_options(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], extra: list[str], message: str
) -> None:
    real = _jsonl(tmp_path / "real.jsonl", REAL)
    code = _run(["scan", "--real", str(real), "--synthetic", str(real), "--out", str(tmp_path / "o"), *extra])
    assert code == 2
    assert message in capsys.readouterr().err
