"""Publishing: the Hub-layout folder, the refusal of real rows, and pushes to a local Hub-protocol server."""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

import datasets
import pytest
from datasets import ClassLabel, Dataset, DatasetDict, Features, Sequence, Value
from hub_server import HubServer
from huggingface_hub import DatasetCard, HfApi, constants, hf_hub_download, snapshot_download
from huggingface_hub.errors import RepositoryNotFoundError

from hf_synthmh.card import build_card
from hf_synthmh.card_metadata import check_card_metadata
from hf_synthmh.publish import PublishError, push_to_hub, write_hub_folder

CODES = ["F32.1", "F41.1"]
TOKEN = "hf_local_publish_test_token_do_not_log"
# huggingface_hub's LFS upload passes a file object as ``data=``, which httpx deprecates: not ours to fix.
pytestmark = pytest.mark.filterwarnings("ignore:Use 'content=<...>':DeprecationWarning")

FEATURES = Features(
    {
        "id": Value("string"),
        "text": Value("string"),
        "label": ClassLabel(names=CODES),
        "is_synthetic": Value("bool"),
        "model": Value("string"),
        "prompt_hash": Value("string"),
        "seed": Value("int64"),
        "exemplar_ids": Sequence(Value("string")),
    }
)


def make_rows(n: int = 6, *, is_synthetic: list[bool | None] | None = None) -> Dataset:
    return Dataset.from_dict(
        {
            "id": [f"syn-{i}" for i in range(n)],
            "text": [f"Synthetic evaluation report number {i}." for i in range(n)],
            "label": [i % 2 for i in range(n)],
            "is_synthetic": is_synthetic if is_synthetic is not None else [True] * n,
            "model": ["tiny"] * n,
            "prompt_hash": [f"{i:016x}" for i in range(n)],
            "seed": list(range(n)),
            "exemplar_ids": [[f"real-{i}"] for i in range(n)],
        },
        features=FEATURES,
    )


def make_card(n_rows: int) -> DatasetCard:
    per_label = {
        code: {
            "fidelity": {"centroid_similarity": 0.8765},
            "diversity": {"distinct_2": 0.4321},
            "privacy": {"max_containment": 0.0123},
            "n_synthetic": n_rows // 2,
        }
        for code in CODES
    }
    return build_card(
        pretty_name="Local publish test",
        metrics={
            "fidelity": {"centroid_similarity": 0.8123},
            "diversity": {"distinct_2": 0.4567},
            "privacy": {"max_containment": 0.0234},
            "per_label": per_label,
        },
        gate={
            "settings": {"ngram": 8},
            "counts": {"membership:ngram": 2},
            "n_in": n_rows + 2,
            "n_kept": n_rows,
        },
        generation={"models": ["tiny"], "seed": 0, "per_label": dict.fromkeys(CODES, n_rows)},
        n_rows=n_rows,
        labels=CODES,
    )


@pytest.fixture()
def rows() -> Dataset:
    return make_rows()


@pytest.fixture()
def card(rows: Dataset) -> DatasetCard:
    return make_card(len(rows))


def folder_files(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())


# -- write_hub_folder ----------------------------------------------------------------------------------
def test_write_hub_folder_round_trip(rows: Dataset, card: DatasetCard, tmp_path: Path) -> None:
    out = write_hub_folder(rows, card, tmp_path / "published")
    assert folder_files(out) == ["README.md", "data/train-00000-of-00001.parquet"]

    loaded = datasets.load_dataset(str(out))
    assert list(loaded) == ["train"]
    assert loaded["train"].features == FEATURES
    assert loaded["train"].features["label"].names == CODES
    assert loaded["train"].to_list() == rows.to_list()

    folder_card = DatasetCard.load(out / "README.md")
    check_card_metadata(folder_card)
    assert folder_card.text == card.text
    assert folder_card.data["configs"] == [
        {"config_name": "default", "data_files": [{"split": "train", "path": "data/train-*"}]}
    ]
    assert folder_card.data["dataset_info"]["splits"][0]["num_examples"] == len(rows)
    assert card.data.get("configs") is None  # the caller's card is not modified


def test_write_hub_folder_splits_columns_and_stale_files(
    rows: Dataset, card: DatasetCard, tmp_path: Path
) -> None:
    out = tmp_path / "published"
    (out / "data").mkdir(parents=True)
    (out / "data" / "old-00000-of-00001.parquet").write_bytes(b"stale")
    splits = DatasetDict(train=rows, validation=rows.select([0, 1]))
    write_hub_folder(splits, card, out, columns=["text", "label", "is_synthetic"])
    assert folder_files(out) == [
        "README.md",
        "data/train-00000-of-00001.parquet",
        "data/validation-00000-of-00001.parquet",
    ]
    loaded = datasets.load_dataset(str(out))
    assert {split: len(ds) for split, ds in loaded.items()} == {"train": 6, "validation": 2}
    assert loaded["validation"].column_names == ["text", "label", "is_synthetic"]
    assert loaded["validation"].features["label"].names == CODES
    with pytest.raises(ValueError, match=r"lacks column\(s\) \['nope'\]"):
        write_hub_folder(rows, card, out, columns=["text", "nope"])


@pytest.mark.parametrize("flags", [[True, False, True], [True, None, False]])
def test_write_hub_folder_refuses_real_rows(
    flags: list[bool | None], card: DatasetCard, tmp_path: Path
) -> None:
    real = make_rows(3, is_synthetic=flags)
    n_real = sum(flag is not True for flag in flags)
    with pytest.raises(ValueError, match=rf"refusing to publish {n_real} row\(s\) with is_synthetic"):
        write_hub_folder(real, card, tmp_path / "published")
    assert not (tmp_path / "published").exists()
    with pytest.raises(ValueError, match="split 'test'"):
        write_hub_folder(DatasetDict(train=make_rows(2), test=real), card, tmp_path / "published")


def test_write_hub_folder_checks_size_category(rows: Dataset, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="does not fit the 6 rows"):
        write_hub_folder(rows, make_card(5_000), tmp_path / "published")


# -- push_to_hub -----------------------------------------------------------------------------------------
def test_push_dataset_private_by_default_and_card_survives(
    hub: HubServer, rows: Dataset, card: DatasetCard, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    url = push_to_hub(rows, repo_id="tester/synthetic-reports", card=card, token=TOKEN, endpoint=hub.url)

    repo = hub.repo("dataset", "tester/synthetic-reports")
    assert repo.private is True
    assert url == f"{hub.url}/datasets/tester/synthetic-reports/commit/{repo.head.oid}"
    # Data first (datasets' commit), then the card.
    assert [c.message for c in repo.commits][1:] == [
        "Upload dataset",
        "Update dataset card (metrics, gate, generation)",
    ]
    api = HfApi(endpoint=hub.url, token=TOKEN)
    assert sorted(api.list_repo_files("tester/synthetic-reports", repo_type="dataset")) == [
        ".gitattributes",
        "README.md",
        "data/train-00000-of-00001.parquet",
    ]
    # The parquet went through the LFS batch API + PUT and is stored as an LFS file.
    parquet = repo.head.files["data/train-00000-of-00001.parquet"]
    assert parquet.lfs
    assert parquet.sha256 in hub.lfs_uploads
    assert ("POST", "/datasets/tester/synthetic-reports.git/info/lfs/objects/batch") in hub.requests

    # The pushed card kept the metrics body and got datasets' data metadata.
    readme = hf_hub_download(
        "tester/synthetic-reports", "README.md", repo_type="dataset", token=TOKEN, endpoint=hub.url
    )
    pushed = DatasetCard.load(readme)
    check_card_metadata(pushed)
    assert pushed.text == card.text
    assert "## Metrics" in pushed.text
    assert "| fidelity | centroid_similarity | 0.812 |" in pushed.text
    assert "### Per label: privacy" in pushed.text
    assert pushed.data["configs"][0]["data_files"] == [{"split": "train", "path": "data/train-*"}]
    assert pushed.data["dataset_info"]["features"][2]["dtype"]["class_label"]["names"] == {
        "0": "F32.1",
        "1": "F41.1",
    }

    # The dataset loads back from the server, same rows and ClassLabel (a private repo needs the token).
    loaded = datasets.load_dataset("tester/synthetic-reports", token=TOKEN)
    assert loaded["train"].features == FEATURES
    assert loaded["train"].to_list() == rows.to_list()
    assert TOKEN not in caplog.text


def test_push_folder_public_replaces_old_data(
    hub: HubServer, rows: Dataset, card: DatasetCard, tmp_path: Path
) -> None:
    first = write_hub_folder(DatasetDict(train=rows, test=rows.select([0])), card, tmp_path / "first")
    push_to_hub(first, repo_id="tester/public", card=None, private=False, token=TOKEN, endpoint=hub.url)
    repo = hub.repo("dataset", "tester/public")
    assert repo.private is False
    assert "data/test-00000-of-00001.parquet" in repo.head.files

    second = write_hub_folder(rows.select([0, 1, 2]), make_card(3), tmp_path / "second")
    url = push_to_hub(
        second, repo_id="tester/public", card=None, private=False, token=TOKEN, endpoint=hub.url
    )
    assert url.endswith(repo.head.oid)
    assert sorted(repo.head.files) == [".gitattributes", "README.md", "data/train-00000-of-00001.parquet"]
    assert hub.file_bytes("dataset", "tester/public", "README.md") == (second / "README.md").read_bytes()
    parquet = (second / "data" / "train-00000-of-00001.parquet").read_bytes()
    assert hashlib.sha256(parquet).hexdigest() in hub.lfs_uploads

    local = snapshot_download(
        "tester/public", repo_type="dataset", endpoint=hub.url, local_dir=tmp_path / "dl"
    )
    loaded = datasets.load_dataset(local)
    assert loaded["train"].to_list() == rows.select([0, 1, 2]).to_list()
    assert loaded["train"].features["label"].names == CODES


def test_push_folder_with_new_card_keeps_data_metadata(
    hub: HubServer, rows: Dataset, card: DatasetCard, tmp_path: Path
) -> None:
    folder = write_hub_folder(rows, card, tmp_path / "published")
    new_card = build_card(
        pretty_name="Renamed", metrics={}, gate={}, generation={}, n_rows=len(rows), labels=CODES
    )
    push_to_hub(folder, repo_id="tester/renamed", card=new_card, token=TOKEN, endpoint=hub.url)
    pushed = DatasetCard(hub.file_bytes("dataset", "tester/renamed", "README.md").decode())
    assert pushed.data["pretty_name"] == "Renamed"
    assert pushed.data["configs"] == DatasetCard.load(folder / "README.md").data["configs"]
    assert hub.repo("dataset", "tester/renamed").private is True


def test_push_refuses_real_rows_before_any_request(hub: HubServer, card: DatasetCard, tmp_path: Path) -> None:
    real = make_rows(4, is_synthetic=[True, False, False, True])
    with pytest.raises(ValueError, match=r"refusing to publish 2 row\(s\)"):
        push_to_hub(real, repo_id="tester/leak", card=card, token=TOKEN, endpoint=hub.url)
    folder = tmp_path / "forged"
    (folder / "data").mkdir(parents=True)
    real.to_parquet(str(folder / "data" / "train-00000-of-00001.parquet"))
    card.save(folder / "README.md")
    with pytest.raises(
        ValueError, match=r"refusing to publish 2 row\(s\).*data/train-00000-of-00001.parquet"
    ):
        push_to_hub(folder, repo_id="tester/leak", card=None, token=TOKEN, endpoint=hub.url)
    assert hub.requests == []


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("extra_file", r"refusing to publish .*real_rows\.jsonl: only README\.md"),
        ("nested_file", r"refusing to publish .*extra/real\.csv"),
        ("hidden_file", r"refusing to publish .*\.cache/notes"),
        ("stray_parquet", r"refusing to publish .*data/real\.parquet"),
        ("no_flag_column", r"lacks column\(s\) \['is_synthetic'\]"),
        ("no_provenance", r"lacks column\(s\) \['model', 'prompt_hash', 'seed'\]"),
        ("extra_column", r"column\(s\) \['attributes'\] are not published columns"),
    ],
)
def test_push_folder_is_an_allow_list(
    hub: HubServer, rows: Dataset, card: DatasetCard, tmp_path: Path, change: str, message: str
) -> None:
    folder = write_hub_folder(rows, card, tmp_path / "published")
    shard = folder / "data" / "train-00000-of-00001.parquet"
    if change == "extra_file":
        (folder / "real_rows.jsonl").write_text('{"text": "a real report"}\n')
    elif change == "nested_file":
        (folder / "extra").mkdir()
        (folder / "extra" / "real.csv").write_text("text\na real report\n")
    elif change == "hidden_file":
        (folder / ".cache").mkdir()
        (folder / ".cache" / "notes").write_text("a real report")
    elif change == "stray_parquet":
        rows.to_parquet(str(folder / "data" / "real.parquet"))
    elif change == "no_flag_column":
        rows.remove_columns("is_synthetic").to_parquet(str(shard))
    elif change == "no_provenance":
        rows.remove_columns(["model", "prompt_hash", "seed"]).to_parquet(str(shard))
    else:
        rows.add_column("attributes", ["{}"] * len(rows)).to_parquet(str(shard))
    with pytest.raises(ValueError, match=message):
        push_to_hub(folder, repo_id="tester/careless", card=None, token=TOKEN, endpoint=hub.url)
    assert hub.requests == []


def test_push_private_to_existing_public_repo_is_refused(hub: HubServer, rows: Dataset) -> None:
    HfApi(endpoint=hub.url, token=TOKEN).create_repo("tester/open", repo_type="dataset", private=False)
    with pytest.raises(ValueError, match="exists and is public") as err:
        push_to_hub(rows, repo_id="tester/open", card=None, token=TOKEN, endpoint=hub.url)
    assert "private=False" in str(err.value) and "--public" in err.value.for_cli()  # type: ignore[attr-defined]
    assert "private=False" not in err.value.for_cli()  # type: ignore[attr-defined]
    assert list(hub.repo("dataset", "tester/open").head.files) == [".gitattributes"]


def test_push_refuses_offline_mode(rows: Dataset) -> None:
    assert constants.HF_HUB_OFFLINE  # set by conftest for the whole suite
    with pytest.raises(PublishError, match="HF_HUB_OFFLINE"):
        push_to_hub(rows, repo_id="tester/x", card=None, token=TOKEN)


def test_hub_server_serves_card_push_and_load(
    hub: HubServer, card: DatasetCard, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``DatasetCard.push_to_hub``/``load`` take no endpoint: they use the import-time default ``HfApi``."""
    import huggingface_hub.hf_api

    template = hub.url + "/{repo_id}/resolve/{revision}/{filename}"
    monkeypatch.setattr(constants, "ENDPOINT", hub.url)
    monkeypatch.setattr(constants, "HUGGINGFACE_CO_URL_TEMPLATE", template)
    monkeypatch.setattr(huggingface_hub.hf_api.api, "endpoint", hub.url)
    HfApi(endpoint=hub.url, token=TOKEN).create_repo("tester/card", repo_type="dataset", private=True)
    card.push_to_hub("tester/card", token=TOKEN)  # validates the YAML on the server first
    assert ("POST", "/api/validate-yaml") in hub.requests
    loaded = DatasetCard.load("tester/card", token=TOKEN)
    assert loaded.content == card.content
    with pytest.raises(RepositoryNotFoundError):  # a private repo: reading needs the token
        HfApi(endpoint=hub.url, token=False).list_repo_files("tester/card", repo_type="dataset")


def test_doctests() -> None:
    import doctest

    from hf_synthmh import publish

    result = doctest.testmod(publish, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0 and result.attempted > 0


# -- LoRA adapters ------------------------------------------------------------------------------------


def make_adapter(folder: Path, *, base: str = "org/base-model") -> Path:
    """An adapter folder as ``hf-synthmh finetune`` leaves it (tiny tensors, real safetensors format)."""
    import json

    import torch
    from safetensors.torch import save_file

    folder.mkdir(parents=True)
    save_file(
        {"lora_A": torch.ones(2, 4), "lora_B": torch.zeros(4, 2)}, str(folder / "adapter_model.safetensors")
    )
    config = {"base_model_name_or_path": base, "peft_type": "LORA", "r": 2}
    (folder / "adapter_config.json").write_text(json.dumps(config))
    (folder / "README.md").write_text(f"---\nbase_model: {base}\nlibrary_name: peft\n---\n# LoRA adapter\n")
    (folder / "training_log.json").write_text(json.dumps({"steps": 3}))
    return folder


def test_push_adapter_private_by_default_and_replaces_old_files(hub: HubServer, tmp_path: Path) -> None:
    from hf_synthmh.publish_adapter import push_adapter

    folder = make_adapter(tmp_path / "lora")
    url = push_adapter(folder, repo_id="tester/lora", token=TOKEN, endpoint=hub.url)
    repo = hub.repo("model", "tester/lora")
    assert repo.private is True
    assert url.endswith(repo.head.oid)
    assert sorted(repo.head.files) == [
        ".gitattributes",
        "README.md",
        "adapter_config.json",
        "adapter_model.safetensors",
        "training_log.json",
    ]
    weights = (folder / "adapter_model.safetensors").read_bytes()
    assert hashlib.sha256(weights).hexdigest() in hub.lfs_uploads  # weights go through LFS
    assert (
        hub.file_bytes("model", "tester/lora", "adapter_config.json")
        == (folder / "adapter_config.json").read_bytes()
    )
    with pytest.raises(RepositoryNotFoundError):  # private: reading needs the token
        HfApi(endpoint=hub.url, token=False).list_repo_files("tester/lora")

    (folder / "training_log.json").unlink()
    push_adapter(folder, repo_id="tester/lora", token=TOKEN, endpoint=hub.url)
    assert "training_log.json" not in repo.head.files
    local = snapshot_download("tester/lora", endpoint=hub.url, token=TOKEN, local_dir=tmp_path / "dl")
    assert (Path(local) / "adapter_model.safetensors").read_bytes() == weights


@pytest.mark.parametrize(
    ("spoil", "message"),
    [
        (lambda f: (f / "checkpoint.pt").write_bytes(b"x"), "checkpoint.pt"),
        (lambda f: (f / "train.jsonl").write_text("{}"), "train.jsonl"),
        (lambda f: (f / "adapter_model.safetensors").unlink(), "lacks adapter_model.safetensors"),
        (
            lambda f: (f / "adapter_config.json").write_text('{"base_model_name_or_path": "/home/me/base"}'),
            "is a local path",
        ),
        (
            lambda f: (f / "adapter_config.json").write_text('{"base_model_name_or_path": "./base"}'),
            "is a local path",
        ),
        (lambda f: (f / "README.md").write_text("---\nbase_model: org/other\n---\n"), "org/other"),
    ],
)
def test_push_adapter_refuses_before_any_request(
    hub: HubServer, tmp_path: Path, spoil: object, message: str
) -> None:
    from hf_synthmh.publish_adapter import push_adapter

    folder = make_adapter(tmp_path / "lora")
    spoil(folder)  # type: ignore[operator]
    with pytest.raises(PublishError, match=message):
        push_adapter(folder, repo_id="tester/lora", token=TOKEN, endpoint=hub.url)
    assert hub.requests == []


def test_push_adapter_to_existing_public_repo_is_refused(hub: HubServer, tmp_path: Path) -> None:
    from hf_synthmh.publish_adapter import push_adapter

    HfApi(endpoint=hub.url, token=TOKEN).create_repo("tester/open-lora", private=False)
    with pytest.raises(PublishError, match="model repo tester/open-lora exists and is public"):
        push_adapter(
            make_adapter(tmp_path / "lora"), repo_id="tester/open-lora", token=TOKEN, endpoint=hub.url
        )
    push_adapter(tmp_path / "lora", repo_id="tester/open-lora", private=False, token=TOKEN, endpoint=hub.url)
    assert "adapter_model.safetensors" in hub.repo("model", "tester/open-lora").head.files


def test_publish_cli_pushes_an_adapter(
    hub: HubServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from hf_synthmh.cli import main

    monkeypatch.setenv("HF_TOKEN", TOKEN)
    folder = make_adapter(tmp_path / "lora")
    args = ["publish", str(folder), "--adapter", "--repo-id", "tester/cli-lora", "--endpoint", hub.url]
    with pytest.raises(SystemExit) as done:
        main(args)
    assert done.value.code in (0, None)
    assert "private" in capsys.readouterr().out
    assert hub.repo("model", "tester/cli-lora").private is True
    assert TOKEN not in capsys.readouterr().out


def test_publish_adapter_doctests() -> None:
    import doctest

    from hf_synthmh import publish_adapter

    result = doctest.testmod(publish_adapter, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0 and result.attempted > 0
