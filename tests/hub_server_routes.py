"""Routes of the local Hub (:mod:`hub_server`): the Hub API, the Git LFS batch API and file downloads.

The route table is in the docstring of :mod:`hub_server`.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import time
from typing import Any
from urllib.parse import parse_qs

import yaml
from hub_server_http import _HandlerBase
from hub_server_store import HubError, StoredFile, _folder_entry, _parents

PREFIXES = {"datasets": "dataset", "spaces": "space"}  # URL prefix of non-model repos -> repo type
_YAML = re.compile(r"\A---\r?\n(.*?)\r?\n---", re.DOTALL)


class _Handler(_HandlerBase):
    """The routes: ``_route`` dispatches on the method and the URL path segments."""

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
