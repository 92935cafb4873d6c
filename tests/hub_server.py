"""A small local server that speaks enough of the Hugging Face Hub's HTTP protocol for the publish tests.

No package ships a server for the Hub's write protocol, so this one implements the routes that
``huggingface_hub`` 2.x and ``datasets`` 5.x use to create a repo, commit files (regular files inline, large
or binary ones through the Git LFS batch API + a PUT upload), list and download them:

=======  ==========================================================  =======================================
method   path                                                        used by
=======  ==========================================================  =======================================
POST     /api/repos/create                                           ``create_repo`` (409 when it exists)
POST     /api/validate-yaml                                          ``RepoCard.validate``
GET      /api/whoami-v2                                              ``whoami``
GET      /api/{type}s/{repo}[/revision/{rev}]                        ``repo_info`` / ``dataset_info``
POST     /api/{type}s/{repo}/preupload/{rev}                         upload mode of each file (lfs / regular)
POST     /api/{type}s/{repo}/commit/{rev}                            NDJSON commit (``create_commit``)
GET      /api/{type}s/{repo}/tree/{rev}[/{path}]                     ``list_repo_tree`` / ``HfFileSystem``
POST     /api/{type}s/{repo}/paths-info/{rev}                        ``get_paths_info`` / ``HfFileSystem``
POST     /[{type}s/]{repo}.git/info/lfs/objects/batch                Git LFS batch API (basic transfer)
PUT      /__lfs__/{sha256}                                           the LFS upload ("S3")
HEAD/GET /[{type}s/]{repo}/resolve/{rev}/{path}                      ``hf_hub_download`` (Range supported)
=======  ==========================================================  =======================================

Errors carry ``X-Error-Code`` (``RepoNotFound``, ``RevisionNotFound``, ``EntryNotFound``) as the Hub does, so
the client raises its usual exceptions. Writes need ``Authorization: Bearer <token>``; so do reads of a
private repo (401 otherwise, like the Hub). Xet is not implemented: set ``HF_HUB_DISABLE_XET`` (the
``huggingface_hub.constants`` value) so that uploads use LFS.

Example::

    with HubServer(tmp_path, token="hf_test") as hub:
        HfApi(endpoint=hub.url, token="hf_test").create_repo("me/x", repo_type="dataset")
        assert hub.repo("dataset", "me/x").private is None
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import yaml

PREFIXES = {"datasets": "dataset", "spaces": "space"}  # URL prefix of non-model repos -> repo type
LFS_SUFFIXES = (".parquet", ".arrow", ".bin", ".safetensors", ".pt", ".zip", ".gz", ".zst", ".npy", ".h5")
LFS_MIN_SIZE = 10 * 1024 * 1024
_YAML = re.compile(r"\A---\r?\n(.*?)\r?\n---", re.DOTALL)


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


class HubServer:
    """The Hub on ``127.0.0.1:<free port>``, storing repos under ``root``. Use as a context manager.

    ``requests`` records ``(method, path)`` of every request, ``lfs_uploads`` the sha256 of every object
    PUT through the LFS upload route (so tests can check what travelled how) and ``errors`` any exception
    raised while answering (answered as 400, since the client retries 5xx answers for a long while).
    """

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
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._httpd.daemon_threads = True
        self._httpd.hub = self  # type: ignore[attr-defined]
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, name="local-hub", daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def __enter__(self) -> HubServer:
        self._thread.start()
        return self

    def __exit__(
        self, *exc: tuple[type[BaseException] | None, BaseException | None, TracebackType | None]
    ) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    # -- state ---------------------------------------------------------------------------------------
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

    def base_url(self, repo: Repo) -> str:
        prefix = "" if repo.repo_type == "model" else f"{repo.repo_type}s/"
        return f"{self.url}/{prefix}{repo.repo_id}"


def _folder_entry(path: str) -> dict[str, Any]:
    return {"type": "directory", "path": path, "size": 0, "oid": hashlib.sha1(path.encode()).hexdigest()}


def _parents(path: str) -> list[str]:
    parts = path.split("/")[:-1]
    return ["/".join(parts[: i + 1]) for i in range(len(parts))]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "LocalHub/1.0"

    @property
    def hub(self) -> HubServer:
        return self.server.hub  # type: ignore[attr-defined]

    def log_message(self, format: str, *args: Any) -> None:  # silence stderr logging
        return

    # -- plumbing ------------------------------------------------------------------------------------
    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_HEAD(self) -> None:
        self._dispatch("HEAD")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_PUT(self) -> None:
        self._dispatch("PUT")

    def _dispatch(self, method: str) -> None:
        split = urlsplit(self.path)
        self.query = parse_qs(split.query)
        self.body = self._read_body()
        self.hub.requests.append((method, split.path))
        segments = [unquote(s) for s in split.path.strip("/").split("/")]
        try:
            with self.hub.lock:
                self._route(method, segments)
        except HubError as err:
            headers = {"X-Error-Code": err.code} if err.code else {}
            self._json({"error": err.message}, status=err.status, headers=headers, head=method == "HEAD")
        except Exception as err:  # a bug here: answer 400 (5xx would be retried for a minute) and record it
            self.hub.errors.append(f"{method} {self.path}: {err!r}")
            self._json({"error": f"local hub error: {err!r}"}, status=400, head=method == "HEAD")

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks: list[bytes] = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _send(self, status: int, body: bytes, headers: dict[str, str], *, head: bool = False) -> None:
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if not head:
            self.wfile.write(body)

    def _json(
        self, payload: Any, *, status: int = 200, headers: dict[str, str] | None = None, head: bool = False
    ) -> None:
        body = json.dumps(payload).encode()
        self._send(status, body, {"Content-Type": "application/json", **(headers or {})}, head=head)

    def _authorized(self) -> bool:
        return self.headers.get("Authorization", "") == f"Bearer {self.hub.token}"

    def _require_auth(self) -> None:
        if not self._authorized():
            raise HubError(401, "Invalid credentials in Authorization header")

    def _readable(self, repo_type: str, repo_id: str) -> Repo:
        repo = self.hub.repo(repo_type, repo_id)
        if repo.private and not self._authorized():
            raise HubError(401, f"Repository {repo_id} not found", "RepoNotFound")
        return repo

    # -- routes --------------------------------------------------------------------------------------
    def _route(self, method: str, seg: list[str]) -> None:
        if method == "PUT" and len(seg) == 2 and seg[0] == "__lfs__":
            return self._lfs_put(seg[1])
        if seg[:1] == ["api"]:
            return self._api(method, seg[1:])
        repo_type = PREFIXES.get(seg[0], "model") if seg else "model"
        rest = seg[1:] if repo_type != "model" else seg
        if (
            method == "POST"
            and len(rest) >= 2
            and rest[1].endswith(".git")
            and rest[2:] == ["info", "lfs", "objects", "batch"]
        ):
            return self._lfs_batch(repo_type, f"{rest[0]}/{rest[1][: -len('.git')]}")
        if method in ("GET", "HEAD") and len(rest) >= 5 and rest[2] == "resolve":
            return self._resolve(method, repo_type, f"{rest[0]}/{rest[1]}", rest[3], "/".join(rest[4:]))
        raise HubError(404, f"no route for {method} {self.path}")

    def _api(self, method: str, seg: list[str]) -> None:
        if method == "POST" and seg == ["repos", "create"]:
            return self._create_repo()
        if method == "POST" and seg == ["validate-yaml"]:
            return self._validate_yaml()
        if method == "GET" and seg == ["whoami-v2"]:
            self._require_auth()
            return self._json({"type": "user", "name": "tester", "auth": {"accessToken": {"role": "write"}}})
        if len(seg) < 3 or not seg[0].endswith("s"):
            raise HubError(404, f"no route for {method} {self.path}")
        repo_type, repo_id, rest = seg[0][:-1], f"{seg[1]}/{seg[2]}", seg[3:]
        if method == "GET" and (not rest or (rest[0] == "revision" and len(rest) == 2)):
            return self._info(repo_type, repo_id, rest[1] if rest else "main")
        if method == "POST" and len(rest) == 2 and rest[0] == "preupload":
            return self._preupload(repo_type, repo_id, rest[1])
        if method == "POST" and len(rest) == 2 and rest[0] == "commit":
            return self._commit(repo_type, repo_id, rest[1])
        if method == "GET" and len(rest) >= 2 and rest[0] == "tree":
            return self._tree(repo_type, repo_id, rest[1], "/".join(rest[2:]))
        if method == "POST" and len(rest) == 2 and rest[0] == "paths-info":
            return self._paths_info(repo_type, repo_id, rest[1])
        raise HubError(404, f"no route for {method} {self.path}")

    def _create_repo(self) -> None:
        self._require_auth()
        payload = json.loads(self.body or b"{}")
        repo_type = payload.get("type") or "model"
        repo_id = f"{payload.get('organization') or 'tester'}/{payload['name']}"
        if (repo_type, repo_id) in self.hub.repos:
            raise HubError(409, "You already created this repo")
        visibility = payload.get("visibility")
        private = payload.get("private") if visibility is None else visibility == "private"
        repo = self.hub.create_repo(repo_type, repo_id, private)
        self._json({"url": self.hub.base_url(repo), "name": repo_id, "id": repo_id})

    def _validate_yaml(self) -> None:
        content = json.loads(self.body or b"{}").get("content", "")
        match = _YAML.match(content)
        try:
            data = yaml.safe_load(match.group(1)) if match else {}
        except yaml.YAMLError as err:
            raise HubError(400, f"Invalid YAML in README.md: {err}") from err
        if data is not None and not isinstance(data, dict):
            raise HubError(400, "README.md metadata must be a mapping")
        self._json({"errors": [], "warnings": []})

    def _info(self, repo_type: str, repo_id: str, revision: str) -> None:
        repo = self._readable(repo_type, repo_id)
        commit = repo.at(revision)
        siblings = []
        for path, stored in sorted(commit.files.items()):
            entry = self.hub.entry(path, stored)
            sibling: dict[str, Any] = {"rfilename": path, "size": stored.size, "blobId": entry["oid"]}
            if stored.lfs:
                sibling["lfs"] = {
                    "sha256": stored.sha256,
                    "size": stored.size,
                    "pointerSize": entry["lfs"]["pointerSize"],
                }
            siblings.append(sibling)
        card_data = None
        if "README.md" in commit.files:
            match = _YAML.match(self.hub.read(commit.files["README.md"]).decode())
            card_data = yaml.safe_load(match.group(1)) if match else None
        now = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime())
        self._json(
            {
                "_id": hashlib.sha1(repo_id.encode()).hexdigest()[:24],
                "id": repo_id,
                "author": repo_id.split("/")[0],
                "sha": commit.oid,
                "private": bool(repo.private),
                "gated": False,
                "disabled": False,
                "downloads": 0,
                "likes": 0,
                "tags": [],
                "createdAt": now,
                "lastModified": now,
                "cardData": card_data,
                "siblings": siblings,
            }
        )

    def _preupload(self, repo_type: str, repo_id: str, revision: str) -> None:
        self._require_auth()
        commit = self._readable(repo_type, repo_id).at(revision)
        files = []
        for item in json.loads(self.body)["files"]:
            sample = base64.b64decode(item.get("sample", ""))
            lfs = self.hub.is_lfs(item["path"], item["size"], sample)
            answer: dict[str, Any] = {
                "path": item["path"],
                "uploadMode": "lfs" if lfs else "regular",
                "shouldIgnore": False,
            }
            remote = commit.files.get(item["path"])
            if remote is not None:
                answer["oid"] = remote.sha256 if remote.lfs else self.hub.entry(item["path"], remote)["oid"]
            files.append(answer)
        self._json({"files": files, "commitOid": commit.oid})

    def _lfs_batch(self, repo_type: str, repo_id: str) -> None:
        self._require_auth()
        self._readable(repo_type, repo_id)
        payload = json.loads(self.body)
        if payload.get("operation") != "upload":
            raise HubError(400, "only the upload operation is implemented")
        objects = []
        for obj in payload["objects"]:
            answer: dict[str, Any] = {"oid": obj["oid"], "size": obj["size"], "authenticated": True}
            if not (self.hub.objects / obj["oid"]).is_file():
                answer["actions"] = {
                    "upload": {"href": f"{self.hub.url}/__lfs__/{obj['oid']}", "expires_in": 3600}
                }
            objects.append(answer)
        self._json({"transfer": "basic", "objects": objects, "hash_algo": "sha256"})

    def _lfs_put(self, oid: str) -> None:
        if hashlib.sha256(self.body).hexdigest() != oid:
            raise HubError(400, "uploaded content does not match its sha256 oid")
        self.hub.store(self.body)
        self.hub.lfs_uploads.append(oid)
        self._send(200, b"", {"ETag": f'"{oid}"'})

    def _commit(self, repo_type: str, repo_id: str, revision: str) -> None:
        self._require_auth()
        repo = self._readable(repo_type, repo_id)
        if revision not in ("main", "refs/heads/main") or "create_pr" in self.query:
            raise HubError(400, "this local hub commits to main only")
        lines = [json.loads(line) for line in self.body.splitlines() if line.strip()]
        header: dict[str, Any] = next((item["value"] for item in lines if item["key"] == "header"), {})
        parent = header.get("parentCommit")
        if parent is not None and parent != repo.head.oid:
            raise HubError(412, f"parent commit {parent} is not the head of main")
        files = dict(repo.head.files)
        for item in lines:
            key, value = item["key"], item["value"]
            if key == "file":
                content = base64.b64decode(value["content"])
                files[value["path"]] = StoredFile(self.hub.store(content), len(content), lfs=False)
            elif key == "lfsFile":
                object_path = self.hub.objects / value["oid"]
                if not object_path.is_file():
                    raise HubError(422, f"LFS object {value['oid']} of {value['path']} was never uploaded")
                files[value["path"]] = StoredFile(value["oid"], object_path.stat().st_size, lfs=True)
            elif key == "deletedFile":
                if files.pop(value["path"], None) is None:
                    raise HubError(404, f"cannot delete {value['path']}: not found", "EntryNotFound")
            elif key == "deletedFolder":
                prefix = value["path"].rstrip("/") + "/"
                files = {p: f for p, f in files.items() if not p.startswith(prefix)}
            elif key != "header":
                raise HubError(400, f"unsupported commit operation {key!r}")
        commit = self.hub.new_commit(repo, header.get("summary", ""), files)
        self._json(
            {
                "success": True,
                "commitOid": commit.oid,
                "commitUrl": f"{self.hub.base_url(repo)}/commit/{commit.oid}",
                "pullRequestUrl": None,
            }
        )

    def _tree(self, repo_type: str, repo_id: str, revision: str, path: str) -> None:
        commit = self._readable(repo_type, repo_id).at(revision)
        recursive = self.query.get("recursive", ["false"])[0].lower() in ("1", "true")
        prefix = f"{path.strip('/')}/" if path.strip("/") else ""
        folders: set[str] = set()
        entries = []
        for file_path, stored in sorted(commit.files.items()):
            if not file_path.startswith(prefix):
                continue
            relative = file_path[len(prefix) :]
            if "/" in relative:
                subfolders = [prefix + p for p in _parents(relative)]
                folders.update(subfolders if recursive else subfolders[:1])
                if not recursive:
                    continue
            entries.append(self.hub.entry(file_path, stored))
        if prefix and not entries and not folders:
            raise HubError(404, f"{path} not found at {revision}", "EntryNotFound")
        self._json([_folder_entry(f) for f in sorted(folders)] + entries)

    def _paths_info(self, repo_type: str, repo_id: str, revision: str) -> None:
        commit = self._readable(repo_type, repo_id).at(revision)
        form = parse_qs(self.body.decode())
        folders = {parent for path in commit.files for parent in _parents(path)}
        answer = []
        for path in form.get("paths", []):
            path = path.strip("/")
            if path in commit.files:
                answer.append(self.hub.entry(path, commit.files[path]))
            elif path in folders:
                answer.append(_folder_entry(path))
        self._json(answer)

    def _resolve(self, method: str, repo_type: str, repo_id: str, revision: str, path: str) -> None:
        repo = self._readable(repo_type, repo_id)
        commit = repo.at(revision)
        stored = commit.files.get(path)
        if stored is None:
            raise HubError(404, f"{path} not found at {revision}", "EntryNotFound")
        content = self.hub.read(stored)
        etag = stored.sha256 if stored.lfs else stored.git_oid(content)
        headers = {"X-Repo-Commit": commit.oid, "ETag": f'"{etag}"', "Accept-Ranges": "bytes"}
        if stored.lfs:
            headers["X-Linked-Etag"] = f'"{etag}"'
            headers["X-Linked-Size"] = str(stored.size)
        status, byte_range = 200, self.headers.get("Range")
        match = re.fullmatch(r"bytes=(\d*)-(\d*)", byte_range or "")
        if match and content:
            first, last = match.groups()
            start = int(first) if first else max(len(content) - int(last), 0)
            end = int(last) if first and last else len(content) - 1
            end = min(end, len(content) - 1)
            headers["Content-Range"] = f"bytes {start}-{end}/{len(content)}"
            status, content = 206, content[start : end + 1]
        self._send(
            status, content, {"Content-Type": "application/octet-stream", **headers}, head=method == "HEAD"
        )
