"""Push a LoRA adapter folder written by ``hf-synthmh finetune`` to a model repo, private by default.

The folder is checked before anything is sent: it may hold only the files ``finetune`` writes there
(:data:`ADAPTER_FILES`: the adapter, its config, its model card ``README.md`` and ``training_log.json``;
a leftover ``checkpoint.pt`` of an unfinished run is refused), ``adapter_config.json`` must name the base
model by a Hub id, never a local path (peft records the path the base was loaded from), and the card's
``base_model`` must be that same id. The adapter is trained on real reports: its card says so, and the
repo is private unless ``private=False``.

Example:
    >>> import json, tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> _ = (folder / "README.md").write_text("---\\nbase_model: org/base\\n---\\n# LoRA\\n")
    >>> _ = (folder / "adapter_model.safetensors").write_bytes(b"")
    >>> _ = (folder / "adapter_config.json").write_text(json.dumps({"base_model_name_or_path": "org/base"}))
    >>> check_adapter_folder(folder)
    ['README.md', 'adapter_config.json', 'adapter_model.safetensors']
    >>> _ = (folder / "adapter_config.json").write_text(json.dumps({"base_model_name_or_path": "/srv/base"}))
    >>> check_adapter_folder(folder)
    Traceback (most recent call last):
    ...
    hf_synthmh.publish.PublishError: refusing to publish .../adapter_config.json: base_model_name_or_path '/srv/base' is a local path, not a Hub id; rewrite it to the base model's Hub id
"""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path

from hf_synthmh.publish import PublishError, ensure_repo

logger = logging.getLogger(__name__)

__all__ = ["ADAPTER_FILES", "check_adapter_folder", "push_adapter"]

#: The files an adapter folder may hold (what ``hf-synthmh finetune`` leaves once training is done).
ADAPTER_FILES = ("README.md", "adapter_config.json", "adapter_model.safetensors", "training_log.json")
#: Required among them.
REQUIRED_ADAPTER_FILES = ("README.md", "adapter_config.json", "adapter_model.safetensors")
_HUB_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*(/[A-Za-z0-9][A-Za-z0-9_.-]*)?")


def check_adapter_folder(folder: str | Path) -> list[str]:
    """The files of the adapter ``folder`` to publish, after the checks of the module docstring.

    Raises :class:`~hf_synthmh.publish.PublishError` naming each file outside :data:`ADAPTER_FILES`, a
    missing required file, a base model given by a local path, and a card whose ``base_model`` differs.
    """
    from huggingface_hub import ModelCard

    folder = Path(folder)
    if not folder.is_dir():
        raise PublishError(f"{folder} is not an adapter folder written by hf-synthmh finetune")
    files = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if not p.is_dir())
    unexpected = [f for f in files if f not in ADAPTER_FILES]
    if unexpected:
        raise PublishError(
            f"refusing to publish {', '.join(str(folder / f) for f in unexpected)}: an adapter folder "
            f"publishes only {', '.join(ADAPTER_FILES)} (a checkpoint.pt means training has not finished)"
        )
    missing = [f for f in REQUIRED_ADAPTER_FILES if f not in files]
    if missing:
        raise PublishError(f"{folder} lacks {', '.join(missing)}: not a finished adapter folder")
    config_path = folder / "adapter_config.json"
    base = json.loads(config_path.read_text(encoding="utf-8")).get("base_model_name_or_path")
    if not isinstance(base, str) or not base:
        raise PublishError(f"refusing to publish {config_path}: it names no base_model_name_or_path")
    if not _HUB_ID.fullmatch(base) or base.startswith((".", "~")) or Path(base).is_absolute():
        raise PublishError(
            f"refusing to publish {config_path}: base_model_name_or_path {base!r} is a local path, not a "
            "Hub id; rewrite it to the base model's Hub id"
        )
    card_base = ModelCard.load(folder / "README.md").data.to_dict().get("base_model")
    if card_base is not None and card_base != base:
        raise PublishError(
            f"refusing to publish {folder / 'README.md'}: its base_model {card_base!r} is not the "
            f"adapter config's {base!r}"
        )
    return files


def push_adapter(
    folder: str | Path,
    *,
    repo_id: str,
    private: bool = True,
    token: str | None = None,
    endpoint: str | None = None,
) -> str:
    """Push the adapter ``folder`` to the model repo ``repo_id`` in one commit; return the commit URL.

    The folder is checked first (:func:`check_adapter_folder`); files of the repo that the folder does
    not hold are deleted in the same commit. Private unless ``private=False``; a private push to an
    existing public repo is refused. ``token`` defaults to the stored token / ``HF_TOKEN`` and is never
    logged; ``endpoint`` defaults to ``huggingface_hub.constants.ENDPOINT``.

    Example (needs a Hub and a token)::

        push_adapter("adapters/smollm2-lora", repo_id="me/smollm2-mh-lora")
    """
    from huggingface_hub import CommitOperationAdd, CommitOperationDelete, HfApi, constants

    if constants.HF_HUB_OFFLINE:
        raise PublishError(
            "HF_HUB_OFFLINE is set",
            python_fix="unset it to push to the Hub",
            cli_fix="unset HF_HUB_OFFLINE in the environment to push to the Hub",
        )
    folder = Path(folder)
    files = check_adapter_folder(folder)
    api = HfApi(endpoint=endpoint, token=token)
    ensure_repo(api, repo_id, private=private, repo_type="model")
    operations: list[CommitOperationAdd | CommitOperationDelete] = [
        CommitOperationAdd(path_in_repo=path, path_or_fileobj=str(folder / path)) for path in files
    ]
    stale = [p for p in api.list_repo_files(repo_id) if p not in files and p != ".gitattributes"]
    operations += [CommitOperationDelete(path_in_repo=path) for path in stale]
    info = api.create_commit(
        repo_id, operations=operations, commit_message=f"Upload LoRA adapter ({len(files)} files)"
    )
    logger.info("Pushed adapter to %s (%s)", repo_id, "private" if private else "public")
    return str(info.commit_url)
