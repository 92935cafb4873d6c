"""Publish kept synthetic rows: a Hub-layout folder, and a push to the Hub (private by default).

Real patient data must never leave the machine: both :func:`write_hub_folder` and :func:`push_to_hub` refuse
any row whose ``is_synthetic`` is not ``True`` (when the column exists). A folder is pushed only when it holds
exactly what :func:`~hf_synthmh.pipeline.write_outputs` writes there (an allow-list: ``README.md``,
``data/<split>-NNNNN-of-NNNNN.parquet``, ``plots/*.png``) and every parquet file has the published columns,
provenance included, and nothing else, with ``is_synthetic`` ``True`` on every row; anything else is refused
by name before anything is sent.

Example:
    >>> import tempfile
    >>> from datasets import ClassLabel, Dataset, Features, Value
    >>> from hf_synthmh.card import build_card
    >>> features = Features({"text": Value("string"), "label": ClassLabel(names=["F32.1"]),
    ...                      "is_synthetic": Value("bool")})
    >>> rows = Dataset.from_dict({"text": ["A report."], "label": [0], "is_synthetic": [True]},
    ...                          features=features)
    >>> card = build_card(pretty_name="Demo", metrics={}, gate={}, generation={}, n_rows=1, labels=["F32.1"])
    >>> folder = write_hub_folder(rows, card, Path(tempfile.mkdtemp()) / "published")
    >>> sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())
    ['README.md', 'data/train-00000-of-00001.parquet']
    >>> write_hub_folder(rows.map(lambda r: {"is_synthetic": False}), card, folder)
    Traceback (most recent call last):
    ...
    hf_synthmh.publish.PublishError: refusing to publish 1 row(s) with is_synthetic != True in split 'train': real patient data must never be published

Pushing to an endpoint other than the Hub (``endpoint=``) works for this module's own calls; a server without
Xet needs ``HF_HUB_DISABLE_XET=1`` in the environment before ``huggingface_hub`` is imported.
"""

from __future__ import annotations

import contextlib
import logging
import re
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hf_synthmh.card_metadata import check_card_metadata
from hf_synthmh.contracts import PUBLISHED_COLUMNS, REQUIRED_PUBLISHED_COLUMNS

if TYPE_CHECKING:
    from datasets import Dataset, DatasetDict
    from huggingface_hub import DatasetCard, HfApi

logger = logging.getLogger(__name__)

__all__ = [
    "ALLOWED_FILES",
    "CARD_METADATA_FROM_DATA",
    "check_publish_folder",
    "push_to_hub",
    "write_hub_folder",
]


class PublishError(ValueError):
    """Publishing was refused before anything was sent; the message says why and what to change.

    ``python_fix`` names the argument to change (``private=False``), ``cli_fix`` the ``hf-synthmh``
    flag (``--public``); ``str()`` gives the Python form, :meth:`for_cli` the command-line one.
    """

    def __init__(self, reason: str, *, python_fix: str = "", cli_fix: str = "") -> None:
        self.reason, self.python_fix, self.cli_fix = reason, python_fix, cli_fix
        super().__init__(f"{reason}; {python_fix}" if python_fix else reason)

    def for_cli(self) -> str:
        return f"{self.reason}; {self.cli_fix}" if self.cli_fix else self.reason


#: Card metadata that describes the data files; taken from the data side when a card and data are merged.
CARD_METADATA_FROM_DATA = ("configs", "dataset_info")
DATA_DIR = "data"
#: The files a published folder may hold, as POSIX paths relative to it (what ``write_outputs`` writes).
ALLOWED_FILES = (
    re.compile(r"README\.md"),
    re.compile(rf"{DATA_DIR}/[A-Za-z0-9_]+-\d{{5}}-of-\d{{5}}\.parquet"),
    re.compile(r"plots/[A-Za-z0-9_.-]+\.png"),
)


def write_hub_folder(
    dataset: Dataset | DatasetDict,
    card: DatasetCard,
    out_dir: str | Path,
    *,
    columns: Sequence[str] | None = None,
) -> Path:
    """Write ``out_dir`` in the Hub's layout: ``README.md`` (``card`` plus ``configs``/``dataset_info``) and
    ``data/<split>-00000-of-00001.parquet`` per split (a ``Dataset`` is split ``train``).

    ``datasets.load_dataset(str(out_dir))`` loads it back with the ``ClassLabel`` intact and
    ``DatasetCard.load(out_dir / "README.md")`` reads the card. ``columns`` keeps only those columns (in that
    order). Old ``data/*.parquet`` files in ``out_dir`` are removed first so that they cannot be loaded with
    the new ones. Raises ``ValueError`` if a row has ``is_synthetic`` other than ``True``, a column is
    missing, or the splits' features differ. See the module docstring for an example.
    """
    from datasets import DatasetInfo, SplitDict, SplitInfo
    from datasets.info import DatasetInfosDict
    from datasets.utils.metadata import MetadataConfigs
    from huggingface_hub import DatasetCard

    splits = _as_splits(dataset, columns=columns)
    out = Path(out_dir)
    data_dir = out / DATA_DIR
    data_dir.mkdir(parents=True, exist_ok=True)
    for stale in data_dir.glob("*.parquet"):
        stale.unlink()
    split_infos, download_size, dataset_size = SplitDict(), 0, 0
    for split, ds in splits.items():
        path = data_dir / f"{split}-00000-of-00001.parquet"
        ds.to_parquet(str(path))
        num_bytes = ds.with_format("arrow")[:].nbytes
        split_infos.add(SplitInfo(name=split, num_bytes=num_bytes, num_examples=len(ds)))
        download_size += path.stat().st_size
        dataset_size += num_bytes
    features = next(iter(splits.values())).features
    info = DatasetInfo(
        features=features, splits=split_infos, download_size=download_size, dataset_size=dataset_size
    )

    folder_card = DatasetCard(card.content)
    for key in CARD_METADATA_FROM_DATA:
        folder_card.data.pop(key, None)
    DatasetInfosDict({"default": info}).to_dataset_card_data(folder_card.data)
    data_files = [{"split": split, "path": f"{DATA_DIR}/{split}-*"} for split in splits]
    MetadataConfigs({"default": {"data_files": data_files}}).to_dataset_card_data(folder_card.data)
    check_card_metadata(folder_card)
    folder_card.save(out / "README.md")
    logger.info("Wrote %d split(s), %d row(s) to %s", len(splits), sum(map(len, splits.values())), out)
    return out


def push_to_hub(
    dataset_or_folder: Dataset | DatasetDict | str | Path,
    *,
    repo_id: str,
    card: DatasetCard | None,
    private: bool = True,
    token: str | None = None,
    endpoint: str | None = None,
) -> str:
    """Push published rows to the dataset repo ``repo_id``; return the URL of the last commit.

    ``dataset_or_folder`` is a ``Dataset``/``DatasetDict`` (pushed with its own ``push_to_hub``: parquet
    shards + ``configs``/``dataset_info`` in the README) or a folder written by :func:`write_hub_folder`
    (pushed in one commit, replacing the repo's old ``data/`` files). Then, when ``card`` is given, the
    card is pushed as ``README.md``, keeping the data side's ``configs``/``dataset_info``: ``datasets``
    rewrites that metadata on every push, so the card goes last and keeps its body (metrics, gate).

    The repo is created private unless ``private=False``; pushing with ``private=True`` to an existing
    public repo raises ``ValueError`` rather than publish there. ``token`` defaults to the stored token /
    ``HF_TOKEN`` and is never logged; ``endpoint`` defaults to ``huggingface_hub.constants.ENDPOINT``.

    Example (needs a Hub and a token)::

        push_to_hub(Path("out/published"), repo_id="me/synthetic-mh-reports", card=None)
    """
    from huggingface_hub import HfApi, constants

    if constants.HF_HUB_OFFLINE:
        raise PublishError(
            "HF_HUB_OFFLINE is set",
            python_fix="unset it to push to the Hub",
            cli_fix="unset HF_HUB_OFFLINE in the environment to push to the Hub",
        )
    api = HfApi(endpoint=endpoint, token=token)
    if isinstance(dataset_or_folder, str | Path):
        folder = Path(dataset_or_folder)
        check_publish_folder(folder)
        folder_card = _folder_card(folder, card)  # checked before anything is sent
        ensure_repo(api, repo_id, private=private)
        url = _push_folder(api, folder, repo_id=repo_id, card=folder_card)
    else:
        _as_splits(dataset_or_folder)  # refuses real rows before anything is sent
        ensure_repo(api, repo_id, private=private)
        with _datasets_endpoint(api.endpoint):
            info = dataset_or_folder.push_to_hub(repo_id, private=private, token=token)
        url = info.commit_url
        if card is not None:
            url = _push_card(api, card, repo_id=repo_id)
    logger.info("Pushed to %s (%s)", repo_id, "private" if private else "public")
    return str(url)


def _as_splits(dataset: Dataset | DatasetDict, *, columns: Sequence[str] | None = None) -> dict[str, Dataset]:
    from datasets import Dataset

    splits = {"train": dataset} if isinstance(dataset, Dataset) else dict(dataset)
    if not splits:
        raise PublishError("nothing to publish: the DatasetDict has no splits")
    for split, ds in splits.items():
        if columns is not None:
            missing = [c for c in columns if c not in ds.column_names]
            if missing:
                raise PublishError(f"split {split!r} lacks column(s) {missing}")
            ds = splits[split] = ds.select_columns(list(columns))
        if "is_synthetic" in ds.column_names:
            _refuse_real(ds.with_format("arrow")["is_synthetic"], where=f"split {split!r}")
    first = next(iter(splits.values())).features
    for split, ds in splits.items():
        if ds.features != first:
            raise PublishError(f"split {split!r} has other features than the first split: {ds.features}")
    return splits


def _refuse_real(flags: Any, *, where: str) -> None:
    """Raise unless every value of the ``is_synthetic`` arrow array ``flags`` is ``True``."""
    import pyarrow.compute as pc

    n_real = len(flags) - pc.sum(pc.fill_null(flags, False)).as_py() if len(flags) else 0
    if n_real:
        raise PublishError(
            f"refusing to publish {n_real} row(s) with is_synthetic != True in {where}: "
            "real patient data must never be published"
        )


def check_publish_folder(folder: str | Path) -> list[str]:
    """The files of ``folder`` to publish (POSIX paths), after checking it holds nothing else.

    Raises ``ValueError`` naming each file outside :data:`ALLOWED_FILES` (hidden files included), each
    parquet file that lacks a column of :data:`~hf_synthmh.contracts.REQUIRED_PUBLISHED_COLUMNS` or has one outside
    :data:`~hf_synthmh.contracts.PUBLISHED_COLUMNS`, and each row whose ``is_synthetic`` is not ``True``.

    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> _ = (folder / "README.md").write_text("---\\n---\\n")
    >>> _ = (folder / "real_rows.jsonl").write_text("{}")
    >>> check_publish_folder(folder)
    Traceback (most recent call last):
    ...
    hf_synthmh.publish.PublishError: refusing to publish .../real_rows.jsonl: only README.md, data/<split>-NNNNN-of-NNNNN.parquet and plots/*.png are published
    """
    import pyarrow.parquet as pq

    folder = Path(folder)
    if not folder.is_dir():
        raise PublishError(f"{folder} is not a folder written by write_hub_folder")
    files = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if not p.is_dir())
    unexpected = [f for f in files if not any(pattern.fullmatch(f) for pattern in ALLOWED_FILES)]
    if unexpected:
        raise PublishError(
            f"refusing to publish {', '.join(str(folder / f) for f in unexpected)}: only README.md, "
            f"{DATA_DIR}/<split>-NNNNN-of-NNNNN.parquet and plots/*.png are published"
        )
    shards = [f for f in files if f.endswith(".parquet")]
    if not shards:
        raise PublishError(f"{folder} holds no {DATA_DIR}/*.parquet file: nothing to publish")
    for name in shards:
        columns = pq.read_schema(folder / name).names
        missing = [c for c in REQUIRED_PUBLISHED_COLUMNS if c not in columns]
        extra = [c for c in columns if c not in PUBLISHED_COLUMNS]
        if missing or extra:
            raise PublishError(
                f"refusing to publish {folder / name}: "
                + "; ".join(
                    part
                    for part in (
                        f"it lacks column(s) {missing}" if missing else "",
                        f"column(s) {extra} are not published columns" if extra else "",
                    )
                    if part
                )
            )
        flags = pq.read_table(folder / name, columns=["is_synthetic"]).column("is_synthetic")
        _refuse_real(flags, where=str(folder / name))
    return files


def ensure_repo(api: HfApi, repo_id: str, *, private: bool, repo_type: str = "dataset") -> None:
    """Create ``repo_id`` (private unless ``private=False``) or refuse a private push to a public one."""
    from huggingface_hub.errors import RepositoryNotFoundError

    try:
        existing = api.repo_info(repo_id, repo_type=repo_type)
    except RepositoryNotFoundError:
        api.create_repo(repo_id, repo_type=repo_type, private=private, exist_ok=True)
        return
    if private and existing.private is False:
        raise PublishError(
            f"{repo_type} repo {repo_id} exists and is public, and a private push was asked for",
            python_fix="pass private=False to push to it anyway",
            cli_fix="add --public to push to it anyway, or choose another --repo-id",
        )
    if not private and existing.private:
        logger.warning("%s repo %s exists and is private: it stays private", repo_type, repo_id)


def _merged_card(card: DatasetCard, data_side: Mapping[str, Any]) -> DatasetCard:
    """``card`` with the data side's ``configs``/``dataset_info``, checked."""
    from huggingface_hub import DatasetCard

    merged = DatasetCard(card.content)
    for key in CARD_METADATA_FROM_DATA:
        merged.data.pop(key, None)
        if data_side.get(key) is not None:
            merged.data[key] = data_side[key]
    check_card_metadata(merged)
    return merged


def _push_card(api: HfApi, card: DatasetCard, *, repo_id: str) -> str:
    """Load the README that ``datasets`` wrote, merge its data metadata into ``card`` and push it.

    Uses ``api`` (and so its endpoint) rather than ``card.push_to_hub``, which always talks to
    ``huggingface_hub.constants.ENDPOINT``."""
    from huggingface_hub import DatasetCard

    pushed = DatasetCard.load(api.hf_hub_download(repo_id, "README.md", repo_type="dataset"))
    merged = _merged_card(card, pushed.data.to_dict())
    info = api.upload_file(
        path_or_fileobj=str(merged).encode(),
        path_in_repo="README.md",
        repo_id=repo_id,
        repo_type="dataset",
        commit_message="Update dataset card (metrics, gate, generation)",
    )
    return info.commit_url


def _folder_card(folder: Path, card: DatasetCard | None) -> DatasetCard:
    """The README to push with ``folder``: ``card`` with the folder's data metadata, or the folder's own."""
    from huggingface_hub import DatasetCard

    readme = folder / "README.md"
    folder_card = DatasetCard.load(readme) if readme.is_file() else None
    if card is not None:
        return _merged_card(card, folder_card.data.to_dict() if folder_card else {})
    if folder_card is None:
        raise PublishError(f"{folder} has no README.md and no card was given")
    check_card_metadata(folder_card)
    return folder_card


def _push_folder(api: HfApi, folder: Path, *, repo_id: str, card: DatasetCard) -> str:
    from huggingface_hub import CommitOperationAdd, CommitOperationDelete

    files = check_publish_folder(folder)
    operations: list[Any] = [
        CommitOperationAdd(path_in_repo=path, path_or_fileobj=str(folder / path))
        for path in files
        if path != "README.md"
    ]
    operations.append(CommitOperationAdd(path_in_repo="README.md", path_or_fileobj=str(card).encode()))
    stale = [
        path
        for path in api.list_repo_files(repo_id, repo_type="dataset")
        if path.startswith(f"{DATA_DIR}/") and path not in files
    ]
    operations += [CommitOperationDelete(path_in_repo=path) for path in stale]
    info = api.create_commit(
        repo_id,
        operations=operations,
        repo_type="dataset",
        commit_message=f"Upload {len(files)} file(s) of synthetic reports",
    )
    return info.commit_url


@contextlib.contextmanager
def _datasets_endpoint(endpoint: str) -> Iterator[None]:
    """Point ``datasets``' own Hub calls (``datasets.config.HF_ENDPOINT``) at ``endpoint`` for a while."""
    from datasets import config

    previous = config.HF_ENDPOINT
    config.HF_ENDPOINT = endpoint.rstrip("/")
    try:
        yield
    finally:
        config.HF_ENDPOINT = previous
