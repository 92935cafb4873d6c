"""Storage of the local Hub (:mod:`hub_server`): repos, commits and a content-addressed object folder.

Every file content, regular or LFS, is kept once as ``objects/<sha256>``; a commit maps paths to
:class:`StoredFile` records. :class:`HubStore` holds the state that the HTTP handlers
(:mod:`hub_server_routes`) read and change, always under its ``lock``.
"""

from __future__ import annotations

import hashlib
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

LFS_SUFFIXES = (".parquet", ".arrow", ".bin", ".safetensors", ".pt", ".zip", ".gz", ".zst", ".npy", ".h5")
LFS_MIN_SIZE = 10 * 1024 * 1024


class HubError(Exception):
    """An HTTP error answer: status, message and the Hub's ``X-Error-Code``."""

    def __init__(self, status: int, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.code = status, message, code


@dataclass(frozen=True)
class StoredFile:
    """One file of a commit; its content is ``objects/<sha256>`` in the server's folder."""

    sha256: str
    size: int
    lfs: bool

    @property
    def pointer(self) -> bytes:
        return f"version https://git-lfs.github.com/spec/v1\noid sha256:{self.sha256}\nsize {self.size}\n".encode()

    def git_oid(self, content: bytes) -> str:
        blob = self.pointer if self.lfs else content
        return hashlib.sha1(b"blob %d\0" % len(blob) + blob).hexdigest()


@dataclass
class Commit:
    oid: str
    message: str
    files: dict[str, StoredFile]


@dataclass
class Repo:
    """A repository: its visibility as requested at creation (``None`` when not given) and its commits."""

    repo_type: str
    repo_id: str
    private: bool | None
    commits: list[Commit] = field(default_factory=list)

    @property
    def head(self) -> Commit:
        return self.commits[-1]

    def at(self, revision: str) -> Commit:
        if revision in ("main", "refs/heads/main"):
            return self.head
        for commit in self.commits:
            if commit.oid == revision:
                return commit
        raise HubError(404, f"Revision {revision} not found", "RevisionNotFound")


class HubStore:
    """The Hub's state under ``root``: repos, objects, and the records tests assert on."""

    def __init__(self, root: Path, *, token: str = "hf_local_test_token") -> None:
        self.root = Path(root)
        self.objects = self.root / "objects"
        self.objects.mkdir(parents=True, exist_ok=True)
        self.token = token
        self.repos: dict[tuple[str, str], Repo] = {}
        self.requests: list[tuple[str, str]] = []
        self.lfs_uploads: list[str] = []
        self.errors: list[str] = []
        self.lock = threading.RLock()

    def repo(self, repo_type: str, repo_id: str) -> Repo:
        try:
            return self.repos[(repo_type, repo_id)]
        except KeyError:
            raise HubError(404, f"Repository {repo_id} not found", "RepoNotFound") from None

    def read(self, stored: StoredFile) -> bytes:
        return (self.objects / stored.sha256).read_bytes()

    def file_bytes(self, repo_type: str, repo_id: str, path: str, revision: str = "main") -> bytes:
        """The content of ``path`` in a repo, for assertions."""
        return self.read(self.repo(repo_type, repo_id).at(revision).files[path])

    def store(self, content: bytes) -> str:
        sha = hashlib.sha256(content).hexdigest()
        (self.objects / sha).write_bytes(content)
        return sha

    def new_commit(self, repo: Repo, message: str, files: dict[str, StoredFile]) -> Commit:
        seed = f"{repo.repo_id}\n{len(repo.commits)}\n{message}\n{time.time_ns()}".encode()
        commit = Commit(oid=hashlib.sha1(seed).hexdigest(), message=message, files=files)
        repo.commits.append(commit)
        return commit

    def create_repo(self, repo_type: str, repo_id: str, private: bool | None) -> Repo:
        repo = Repo(repo_type=repo_type, repo_id=repo_id, private=private)
        patterns = "".join(f"*{s} filter=lfs diff=lfs merge=lfs -text\n" for s in LFS_SUFFIXES)
        sha = self.store(patterns.encode())
        self.new_commit(repo, "initial commit", {".gitattributes": StoredFile(sha, len(patterns), lfs=False)})
        self.repos[(repo_type, repo_id)] = repo
        return repo

    def is_lfs(self, path: str, size: int, sample: bytes) -> bool:
        return path.endswith(LFS_SUFFIXES) or size >= LFS_MIN_SIZE or b"\0" in sample

    def entry(self, path: str, stored: StoredFile) -> dict[str, Any]:
        """A file as the tree / paths-info APIs describe it."""
        info: dict[str, Any] = {
            "type": "file",
            "path": path,
            "size": stored.size,
            "oid": stored.git_oid(b"" if stored.lfs else self.read(stored)),
        }
        if stored.lfs:
            info["lfs"] = {"oid": stored.sha256, "size": stored.size, "pointerSize": len(stored.pointer)}
        return info


def _folder_entry(path: str) -> dict[str, Any]:
    return {"type": "directory", "path": path, "size": 0, "oid": hashlib.sha1(path.encode()).hexdigest()}


def _parents(path: str) -> list[str]:
    parts = path.split("/")[:-1]
    return ["/".join(parts[: i + 1]) for i in range(len(parts))]
