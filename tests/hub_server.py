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

The server is split in modules: :mod:`hub_server_store` (repos, commits, objects),
:mod:`hub_server_http` (request plumbing, errors, auth) and :mod:`hub_server_routes` (the routes
above); this module starts and stops it.

Example::

    with HubServer(tmp_path, token="hf_test") as hub:
        HfApi(endpoint=hub.url, token="hf_test").create_repo("me/x", repo_type="dataset")
        assert hub.repo("dataset", "me/x").private is None
"""

from __future__ import annotations

import threading
from http.server import ThreadingHTTPServer
from pathlib import Path
from types import TracebackType

from hub_server_routes import PREFIXES, _Handler
from hub_server_store import LFS_MIN_SIZE, LFS_SUFFIXES, Commit, HubError, HubStore, Repo, StoredFile

__all__ = [
    "LFS_MIN_SIZE",
    "LFS_SUFFIXES",
    "PREFIXES",
    "Commit",
    "HubError",
    "HubServer",
    "Repo",
    "StoredFile",
]


class HubServer(HubStore):
    """The Hub on ``127.0.0.1:<free port>``, storing repos under ``root``. Use as a context manager.

    ``requests`` records ``(method, path)`` of every request, ``lfs_uploads`` the sha256 of every object
    PUT through the LFS upload route (so tests can check what travelled how) and ``errors`` any exception
    raised while answering (answered as 400, since the client retries 5xx answers for a long while).
    """

    def __init__(self, root: Path, *, token: str = "hf_local_test_token") -> None:
        super().__init__(root, token=token)
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

    def base_url(self, repo: Repo) -> str:
        prefix = "" if repo.repo_type == "model" else f"{repo.repo_type}s/"
        return f"{self.url}/{prefix}{repo.repo_id}"
