"""The dataset card: YAML metadata checked locally, body numbers equal to the inputs."""

from __future__ import annotations

import re
from typing import Any

import pytest
import yaml
from huggingface_hub import DatasetCard

from hf_synthmh.card import build_card, template_path
from hf_synthmh.card_metadata import HUB_LICENSES, SIZE_CATEGORIES, check_card_metadata, size_category

LABELS = ["F32.1", "F41.1", "F43.1"]


def card_inputs() -> dict[str, Any]:
    """Inputs shaped like ``pipeline.augment`` output (one label has no synthetic rows)."""
    return {
        "pretty_name": "Synthetic mental-health evaluation reports",
        "metrics": {
            "fidelity": {"centroid_similarity": 0.81234, "label_accuracy": 0.5},
            "diversity": {"distinct_2": 0.44449, "self_bleu": 0.1206},
            "privacy": {"max_containment": 0.2, "longest_span": 7, "nearest_similarity": float("nan")},
            "per_label": {
                "F32.1": {
                    "fidelity": {"centroid_similarity": 0.9004},
                    "diversity": {"distinct_2": 0.3},
                    "privacy": {"max_containment": 0.1234},
                    "n_synthetic": 3,
                },
                "F41.1": {
                    "fidelity": {"centroid_similarity": 0.7},
                    "diversity": {"distinct_2": 0.5556},
                    "privacy": {"max_containment": None},
                    "n_synthetic": 2,
                },
            },
        },
        "gate": {
            "settings": {"ngram": 8, "max_containment": 0.5, "phi_entities": ["PERSON", "PHONE_NUMBER"]},
            "counts": {"membership:ngram": 4, "phi:PERSON": 1, "empty": 1},
            "counts_per_label": {
                "F32.1": {"kept": 3, "membership:ngram": 2},
                "F41.1": {"kept": 2, "phi:PERSON": 1, "membership:ngram": 2},
                "F43.1": {"kept": 0, "empty": 1},
            },
            "n_in": 11,
            "n_kept": 5,
        },
        "generation": {
            "models": ["tiny-llama-demo"],
            "prompt_template": "report.jinja",
            "prompt_hashes": 11,
            "sampling": {"temperature": 0.8, "top_p": 0.95, "max_new_tokens": 256},
            "seed": 1234,
            "n_exemplars": 2,
            "per_label": {"F32.1": 5, "F41.1": 5, "F43.1": 1},
            "titles": {
                "F32.1": "Major depressive disorder, single episode, moderate",
                "F41.1": "Generalized anxiety disorder",
                "F43.1": "Post-traumatic stress disorder (PTSD)",
            },
        },
        "n_rows": 5,
        "labels": LABELS,
        "source_note": "Measured against the bundled fictional demo corpus.",
    }


@pytest.fixture()
def card() -> DatasetCard:
    return build_card(**card_inputs(), caveats=["A ~1M-parameter toy model wrote these reports."])


def table_rows(text: str, header: str) -> list[list[str]]:
    """The body rows of the markdown table whose header line starts with ``header``."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(header))
    rows = []
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        rows.append([cell.strip() for cell in line.strip("|").split(" | ")])
    return rows


def section(text: str, title: str) -> str:
    match = re.search(rf"^#+ {re.escape(title)}\n(.*?)(?=^#+ |\Z)", text, re.MULTILINE | re.DOTALL)
    assert match, f"no section {title!r}"
    return match.group(1)


def test_yaml_metadata_is_valid_and_right(card: DatasetCard) -> None:
    check_card_metadata(card)
    data = yaml.safe_load(card.content.split("---")[1])
    assert data["license"] == "cc0-1.0"
    assert data["language"] == ["en"]
    assert data["task_categories"] == ["text-classification", "text-generation"]
    assert data["tags"] == ["synthetic", "medical", "mental-health", "clinical", "icd-10", "privacy"]
    assert data["size_categories"] == ["n<1K"]
    assert data["pretty_name"] == "Synthetic mental-health evaluation reports"
    assert card.text.lstrip().startswith("# Synthetic mental-health evaluation reports")


def test_overall_metrics_table_matches_inputs(card: DatasetCard) -> None:
    rows = table_rows(card.text, "| dimension | metric | value |")
    shown = {(dimension, name): value for dimension, name, value in rows}
    metrics = card_inputs()["metrics"]
    expected = {
        (dimension, name): value
        for dimension in ("fidelity", "diversity", "privacy")
        for name, value in metrics[dimension].items()
    }
    assert set(shown) == set(expected)
    for key, value in expected.items():
        if isinstance(value, int):
            assert shown[key] == str(value)
        elif value != value:  # NaN
            assert shown[key] == "n/a"
        else:
            assert re.fullmatch(r"-?\d+\.\d{3}", shown[key]), shown[key]
            assert float(shown[key]) == round(value, 3)


def test_per_label_tables_match_inputs(card: DatasetCard) -> None:
    per_label = card_inputs()["metrics"]["per_label"]
    for dimension, metric in (("fidelity", "centroid_similarity"), ("diversity", "distinct_2")):
        rows = table_rows(card.text, f"| code | n_synthetic | {metric} |")
        assert f"### Per label: {dimension}" in card.text
        assert [row[0] for row in rows] == list(per_label)
        for code, n_synthetic, value in rows:
            assert int(n_synthetic) == per_label[code]["n_synthetic"]
            assert float(value) == round(per_label[code][dimension][metric], 3)
    privacy = {row[0]: row[2] for row in table_rows(card.text, "| code | n_synthetic | max_containment |")}
    assert privacy == {"F32.1": "0.123", "F41.1": "n/a"}


def test_gate_section_has_settings_and_counts(card: DatasetCard) -> None:
    gate = section(card.text, "The gate")
    assert "5 of 11 generated reports were kept (45.5%)" in gate
    assert "- `ngram`: `8`" in gate
    assert "- `phi_entities`: `['PERSON', 'PHONE_NUMBER']`" in gate
    reasons = {row[0].strip("`"): int(row[1]) for row in table_rows(gate, "| reason | reports |")}
    assert reasons == card_inputs()["gate"]["counts"]
    per_label = table_rows(gate, "| code | kept |")
    assert per_label == [
        ["F32.1", "3", "0", "2", "0"],
        ["F41.1", "2", "0", "2", "1"],
        ["F43.1", "0", "1", "0", "0"],
    ]


def test_generation_section(card: DatasetCard) -> None:
    generation = section(card.text, "How the data was generated")
    assert "`tiny-llama-demo`" in generation
    assert "`report.jinja` (11 distinct" in generation
    assert "`temperature=0.8`, `top_p=0.95`, `max_new_tokens=256`" in generation
    assert "Seed: 1234" in generation
    assert "F32.1: 5, F41.1: 5, F43.1: 1" in generation
    assert "up to 2 real report(s)" in generation


def test_codes_titles_and_counts(card: DatasetCard) -> None:
    rows = table_rows(section(card.text, "ICD-10 codes"), "| code | title |")
    assert rows == [
        ["F32.1", "Major depressive disorder, single episode, moderate", "5", "3"],
        ["F41.1", "Generalized anxiety disorder", "5", "2"],
        ["F43.1", "Post-traumatic stress disorder (PTSD)", "1", "0"],
    ]


def test_uses_limitations_and_privacy(card: DatasetCard) -> None:
    text = card.text
    assert "Measured against the bundled fictional demo corpus." in text
    assert "Diagnosis, triage" in section(text, "Out-of-scope uses")
    limitations = section(text, "Limitations")
    assert "Synthetic is not clinical truth" in limitations
    assert "Not for diagnosis" in limitations
    assert "- A ~1M-parameter toy model wrote these reports." in limitations
    privacy = section(text, "Privacy")
    assert "No real rows are published" in privacy
    assert "kept locally" in privacy
    assert "Augmenting" in section(text, "Intended uses")


def test_missing_inputs_render_as_not_recorded() -> None:
    card = build_card(pretty_name="Bare", metrics={}, gate={}, generation={}, n_rows=0, labels=["F32.1"])
    check_card_metadata(card)
    assert "- Models: not recorded" in card.text
    assert "- Exemplars: not recorded" in card.text
    assert "toy model" not in card.text
    assert table_rows(card.text, "| code | title |") == [["F32.1", "", "n/a", "n/a"]]


def test_table_cells_are_escaped() -> None:
    inputs = card_inputs()
    inputs["generation"]["titles"]["F32.1"] = "Depression | moderate\nsecond line"
    card = build_card(**inputs)
    assert "| F32.1 | Depression \\| moderate second line | 5 | 3 |" in card.text


@pytest.mark.parametrize(
    ("n_rows", "expected"),
    [
        (0, "n<1K"),
        (999, "n<1K"),
        (1_000, "1K<n<10K"),
        (9_999, "1K<n<10K"),
        (10_000, "10K<n<100K"),
        (99_999, "10K<n<100K"),
        (100_000, "100K<n<1M"),
        (1_000_000, "1M<n<10M"),
        (10**9, "1B<n<10B"),
        (10**12 - 1, "100B<n<1T"),
        (10**12, "n>1T"),
    ],
)
def test_size_category_boundaries(n_rows: int, expected: str) -> None:
    assert size_category(n_rows) == expected
    assert expected in SIZE_CATEGORIES


def test_size_category_in_card_and_negative_rows() -> None:
    inputs = card_inputs()
    inputs["n_rows"] = 1_000
    assert build_card(**inputs).data["size_categories"] == ["1K<n<10K"]
    with pytest.raises(ValueError, match="n_rows"):
        size_category(-1)


def test_license_choice() -> None:
    assert build_card(**{**card_inputs(), "license": "cc-by-4.0"}).data["license"] == "cc-by-4.0"
    with pytest.raises(ValueError, match="not a Hub license"):
        build_card(**{**card_inputs(), "license": "CC0"})
    assert {"cc0-1.0", "apache-2.0", "other"} <= HUB_LICENSES


def good_yaml() -> dict[str, Any]:
    return {
        "license": "cc0-1.0",
        "language": ["en"],
        "task_categories": ["text-classification"],
        "tags": ["synthetic"],
        "size_categories": ["n<1K"],
        "pretty_name": "x",
    }


def as_card_text(data: Any) -> str:
    return f"---\n{yaml.safe_dump(data)}---\n# body\n"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"license": None}, "lacks required key.*license"),
        ({"tags": []}, "lacks required key.*tags"),
        ({"license": "cc0"}, "license 'cc0' is not a Hub license"),
        ({"license": ["mit", "nope"]}, "license 'nope'"),
        ({"size_categories": ["n<2K"]}, "size_categories value 'n<2K'"),
        ({"language": ["English"]}, "language 'English'"),
        ({"task_categories": [1]}, "task_categories must be"),
        ({"pretty_name": ["x"]}, "pretty_name must be a string"),
        (
            {"dataset_info": {"splits": [{"name": "train", "num_examples": 1500}]}},
            "does not fit the 1500 rows.*'1K<n<10K'",
        ),
    ],
)
def test_check_card_metadata_names_the_problem(change: dict[str, Any], message: str) -> None:
    data = {**good_yaml(), **change}
    with pytest.raises(ValueError, match=message):
        check_card_metadata(as_card_text(data))


def test_check_card_metadata_accepts_good_and_rejects_malformed() -> None:
    check_card_metadata(as_card_text(good_yaml()))
    check_card_metadata(as_card_text({**good_yaml(), "size_categories": "other", "license": "mit"}))
    with pytest.raises(ValueError, match="no YAML metadata block"):
        check_card_metadata("# just a body\n")
    with pytest.raises(ValueError, match="not valid YAML"):
        check_card_metadata("---\nlicense: [mit\n---\n# body\n")
    with pytest.raises(ValueError, match="must be a mapping"):
        check_card_metadata("---\n- a\n- b\n---\n# body\n")


def test_card_survives_save_and_load(card: DatasetCard, tmp_path: Any) -> None:
    card.save(tmp_path / "README.md")
    loaded = DatasetCard.load(tmp_path / "README.md")
    assert loaded.content == card.content
    check_card_metadata(loaded)


def test_template_is_found_in_the_checkout() -> None:
    path = template_path()
    assert path.name == "synthetic_reports.md"
    assert path.read_text().startswith("---\n{{ card_data }}\n---")


def full_metrics() -> dict[str, Any]:
    """Metrics shaped like ``evaluate_corpus`` with a test split, a holdout and plots."""
    per_code = {
        "fidelity": {"own_centroid_similarity": 0.8, "centroid_margin": 0.05, "other_metric": 1.0},
        "diversity": {"distinct_2": 0.3, "real_distinct_2": 0.35, "self_bleu": 0.7, "real_self_bleu": 0.6},
        "privacy": {"exact_match_rate": 0.0, "dcr_share": 0.5},
        "detectability": {"discriminator_auc": None},
        "utility": {
            "real_only_f1": 0.5,
            "real_plus_synthetic_f1": 0.75,
            "f1_gain": 0.25,
            "f1_gain_ci_low": -0.1,
            "f1_gain_ci_high": 0.5,
            "n_train_real": 9,
            "n_train_synthetic": 4,
            "n_test": 3,
        },
        "n_synthetic": 4,
    }
    return {
        "fidelity": {"own_centroid_similarity": 0.8},
        "diversity": {"distinct_2": 0.3},
        "privacy": {"dcr_share": 0.5},
        "utility": {"real_only_macro_f1": 0.5, "augmentation_score": 0.625},
        "notes": {"mauve": "mauve needs >= 50 rows on each side, got 4 synthetic and 9 real"},
        "plots": {"nn_distances": "/tmp/somewhere/nn_distances.png"},
        "per_label": {"F32.1": per_code},
    }


def test_card_with_utility_plots_and_notes() -> None:
    inputs = {**card_inputs(), "metrics": full_metrics(), "labels": ["F32.1"]}
    card = build_card(**inputs, plots={"nn_distances": "plots/nn_distances.png", "extra": "plots/extra.png"})
    text = card.text
    overall = {(d, n): v for d, n, v in table_rows(text, "| dimension | metric | value |")}
    assert overall[("utility", "augmentation_score")] == "0.625"
    assert not any(d in ("plots", "notes") for d, _ in overall)  # strings are not metric rows
    assert "- `mauve`: mauve needs >= 50 rows on each side, got 4 synthetic and 9 real" in text
    # the curated columns only, baselines and intervals in the same cell
    assert table_rows(text, "| code | n_synthetic | own_centroid_similarity |") == [
        ["F32.1", "4", "0.800", "0.050"]
    ]
    assert table_rows(text, "| code | n_synthetic | distinct_2 | self_bleu |") == [
        ["F32.1", "4", "0.300 (real 0.350)", "0.700 (real 0.600)"]
    ]
    utility = table_rows(text, "| code | n_synthetic | n_train_real |")
    assert utility == [["F32.1", "4", "9", "3", "0.500", "0.750", "0.250 [-0.100, 0.500]"]]
    assert "### Per label: detectability" in text
    plots = section(text, "Plots")
    assert (
        "![Nearest-neighbour distances: synthetic to train vs holdout to train](plots/nn_distances.png)"
        in plots
    )
    assert "![extra](plots/extra.png)" in plots
    assert "/tmp/somewhere" not in text


def test_gate_redaction_replay_and_timings() -> None:
    gate = {
        **card_inputs()["gate"],
        "n_redacted": 2,
        "phi_replay": {"PHONE_NUMBER": 1, "MEDICAL_RECORD_NUMBER": 3},
        "embedding_threshold": 0.123456,
        "timings": {"phi_s": 1.5, "membership_s": 0.25},
    }
    text = section(build_card(**{**card_inputs(), "gate": gate}).text, "The gate")
    assert (
        "Redacted (kept with identifiers replaced by typed placeholders such as `<PERSON>`): 2 reports."
        in text
    )
    assert table_rows(text, "| identifier type |") == [
        ["`MEDICAL_RECORD_NUMBER`", "3"],
        ["`PHONE_NUMBER`", "1"],
    ]
    assert "closer to a real training report than 0.123" in text
    assert "Time spent (seconds): phi_s 1.500, membership_s 0.250." in text
    plain = section(build_card(**card_inputs()).text, "The gate")
    assert "Redacted" not in plain and "PHI replay" not in plain and "Time spent" not in plain


def test_overall_table_shows_baselines_and_intervals_in_one_cell() -> None:
    metrics = {
        **full_metrics(),
        "diversity": {"self_bleu": 0.7, "real_self_bleu": 0.8, "real_only": 1},
        "utility": {"macro_f1_gain": 0.1, "macro_f1_gain_ci_low": 0.0, "macro_f1_gain_ci_high": 0.2},
    }
    rows = table_rows(
        build_card(**{**card_inputs(), "metrics": metrics}).text, "| dimension | metric | value |"
    )
    shown = {(d, n): v for d, n, v in rows}
    assert shown[("diversity", "self_bleu")] == "0.700 (real 0.800)"
    assert shown[("diversity", "real_only")] == "1"  # no "only" metric: a metric of its own
    assert ("diversity", "real_self_bleu") not in shown
    assert shown[("utility", "macro_f1_gain")] == "0.100 [0.000, 0.200]"
    assert not any(n.endswith(("_ci_low", "_ci_high")) for _, n in shown)


@pytest.mark.parametrize(("baseline", "warned"), [(1.0, True), (0.995, True), (0.8, False)])
def test_utility_at_ceiling_is_flagged(baseline: float, warned: bool) -> None:
    metrics = {**full_metrics(), "utility": {"real_only_macro_f1": baseline, "macro_f1_gain": 0.0}}
    text = build_card(**{**card_inputs(), "metrics": metrics}).text
    assert ("no room for the synthetic rows to help" in text) is warned


def test_failed_requests_are_counted_with_reasons() -> None:
    inputs = card_inputs()
    inputs["generation"] = {
        **inputs["generation"],
        "max_attempts": 3,
        "failed": {"malformed:missing_sections": 4, "request_failed": 1},
    }
    inputs["gate"] = {**inputs["gate"], "n_in": 6, "n_kept": 0}
    text = build_card(**inputs).text
    note = "5 of 11 requested reports were not written (after up to 3 attempts each)"
    generation, gate = section(text, "How the data was generated"), section(text, "The gate")
    assert note in generation and note in gate
    assert "4 a required section missing (`malformed:missing_sections`)" in generation
    assert "1 the request failed" in generation
    assert "0 of 6 generated reports were kept" in gate
    assert "were not written" not in build_card(**card_inputs()).text


def test_card_module_doctests() -> None:
    import doctest

    import hf_synthmh.card

    result = doctest.testmod(hf_synthmh.card)
    assert result.failed == 0 and result.attempted > 0
