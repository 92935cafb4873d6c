"""The demo's real generator: SmolLM2-135M-Instruct plus a LoRA adapter trained on the demo train split.

By default the demo uses the adapter the project trained and ships inside the package
(:func:`shipped_adapter`: ``hf_synthmh/resources/smollm2_demo_lora``, float16 weights, its model card and
training log; checked against the sha256 pinned in :data:`SHIPPED_SHA256` on every load). It was trained
with ``hf-synthmh finetune`` on ``load_demo_corpus(seed=0)["train"]`` only (see :data:`SHIPPED_RECIPE`)
and made float16 by :func:`export_adapter`. Training one in the demo instead costs ~12 minutes here.

:func:`demo_adapter` runs :func:`hf_synthmh.finetune.finetune` once per (base weights, corpus, settings)
and caches the adapter under ``$HF_SYNTHMH_CACHE`` (or ``~/.cache/hf_synthmh``) in a folder named by a
hash of them; training checkpoints there, so a killed demo resumes the adapter where it stopped. A marker
file written after the adapter is saved makes later calls return at once.

:func:`smollm2_generator` gives the backend settings and the card's words for it: the base (Hub id,
licence, where the weights came from) and the adapter (steps, rank, data).

Example (converts SmolLM2 once, ~40 s; ``steps=20`` would train a new adapter instead)::

    from hf_synthmh.backends import TransformersBackend
    backend = TransformersBackend(**smollm2_generator().backend_settings)

>>> shipped_adapter().name, sorted(SHIPPED_SHA256)
('smollm2_demo_lora', ['adapter_config.json', 'adapter_model.safetensors'])
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from hf_synthmh.finetune.train import FinetuneSettings

logger = logging.getLogger(__name__)

__all__ = [
    "DEMO_LORA",
    "SHIPPED_RECIPE",
    "SHIPPED_SHA256",
    "DemoGenerator",
    "demo_adapter",
    "demo_dtype",
    "export_adapter",
    "shipped_adapter",
    "smollm2_generator",
]

#: The demo's LoRA: rank 16 on q/k/v/o, batch 4, sequences up to 768 tokens (the demo's prompts are
#: 280-340 SmolLM2 tokens and its reports 370 on average, 480 at most), 10% held out for validation.
DEMO_LORA = FinetuneSettings(
    learning_rate=1e-3, batch_size=4, max_length=768, max_steps=20, validation_fraction=0.1, save_every=2
)
_DONE = "hf_synthmh_demo_adapter.json"
_VERSION = 1
#: Folder of the shipped adapter under :mod:`hf_synthmh.resources`.
SHIPPED_FOLDER = "smollm2_demo_lora"
#: sha256 of the shipped adapter's files, checked on every load.
SHIPPED_SHA256 = {
    "adapter_config.json": "504652013b0d897b87feb8701d10e017350c6e8b79d41229a65527c6ff71285e",
    "adapter_model.safetensors": "817b4d8041d9a39680360f32d28a94b86d8a3609fad036a61b8731a9c789fffb",
}
#: How the shipped adapter was made (the demo corpus saved with ``load_demo_corpus(seed=0).save_to_disk``;
#: training never sees its ``test`` or ``holdout`` split).
SHIPPED_RECIPE = (
    "hf-synthmh finetune --real DEMO_CORPUS --split train --model SMOLLM2_F32 --out LORA "
    "--base-id HuggingFaceTB/SmolLM2-135M-Instruct --license apache-2.0 --max-steps 48 --batch-size 4 "
    "--learning-rate 1e-3 --r 16 --lora-alpha 32 --max-length 768 --validation-fraction 0.1 "
    "--save-every 8 --seed 0; then export_adapter(LORA, resources/smollm2_demo_lora) (float16)"
)
_ADAPTER_FILES = ("README.md", "adapter_config.json", "adapter_model.safetensors", "training_log.json")


def shipped_adapter() -> Path:
    """The folder of the adapter shipped in the package, after checking its files' sha256."""
    from hf_synthmh import resources
    from hf_synthmh.metrics.embeddings import sha256_file

    folder = Path(str(resources.files() / SHIPPED_FOLDER))
    for name, expected in SHIPPED_SHA256.items():
        path = folder / name
        digest = sha256_file(path) if path.is_file() else "missing"
        if digest != expected:
            raise ValueError(
                f"the shipped demo adapter's {name} has sha256 {digest}, not {expected}: reinstall hf-synthmh"
            )
    return folder


def export_adapter(src: Path, dst: Path) -> dict[str, str]:
    """Copy the finished adapter folder ``src`` to ``dst`` with float16 weights; return the sha256s.

    The card gets a closing section saying the weights are float16 and how they were trained
    (:data:`SHIPPED_RECIPE`); peft casts them back to the base model's dtype when loading.
    """
    import shutil

    from safetensors.torch import load_file, save_file

    from hf_synthmh.metrics.embeddings import sha256_file

    dst.mkdir(parents=True, exist_ok=True)
    for name in ("adapter_config.json", "training_log.json"):
        shutil.copyfile(src / name, dst / name)
    tensors = {k: v.half().contiguous() for k, v in load_file(str(src / "adapter_model.safetensors")).items()}
    save_file(tensors, str(dst / "adapter_model.safetensors"), metadata={"format": "pt"})
    card = (src / "README.md").read_text(encoding="utf-8").rstrip("\n")
    card += (
        "\n\n## This copy\n\nShipped inside `hf_synthmh` as the default generator of `hf-synthmh demo`: "
        "the weights are stored in float16 (peft casts them to the base model's dtype when loading). "
        "Training data: the fictional hf_synthmh demo corpus (CC0-1.0), `load_demo_corpus(seed=0)`, "
        "train split only. Made with:\n\n    " + SHIPPED_RECIPE + "\n"
    )
    (dst / "README.md").write_text(card, encoding="utf-8")
    return {name: sha256_file(dst / name) for name in ("adapter_config.json", "adapter_model.safetensors")}


def demo_adapter(
    model: Path, *, steps: int = 20, seed: int = 0, cache_dir: Path | None = None, progress: bool = True
) -> Path:
    """Train (once) the demo LoRA of the float32 model folder ``model`` and return the adapter folder."""
    from hf_synthmh.demo.corpus import load_demo_corpus
    from hf_synthmh.demo.model import _cache_root
    from hf_synthmh.demo.smollm2 import SMOLLM2
    from hf_synthmh.finetune import finetune

    settings = replace(DEMO_LORA, max_steps=steps, seed=seed)
    train = load_demo_corpus(seed=seed)["train"]
    marker = (
        json.loads((model / "hf_synthmh_converted.json").read_text())
        if (model / "hf_synthmh_converted.json").exists()
        else {}
    )
    key = {
        "base": marker.get("weights_sha256") or str(model),
        "texts": hashlib.sha256("\x00".join(train["text"]).encode()).hexdigest(),
        "settings": repr(settings),
        "version": _VERSION,
    }
    digest = hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()[:16]
    out = _cache_root(cache_dir) / f"demo-lora-{digest}"
    if (out / _DONE).exists():
        logger.info("demo adapter found in cache: %s", out.name)
        return out
    finetune(
        train,
        model=str(model),
        out=out,
        settings=settings,
        base_id=marker.get("hub_id") or SMOLLM2.hub_id,
        split_name="hf_synthmh demo corpus, train split",
        license=SMOLLM2.license,
        progress=progress,
    )
    (out / _DONE).write_text(json.dumps(key, sort_keys=True) + "\n")
    return out


def demo_dtype() -> str:
    """``"bfloat16"`` where this CPU has native bfloat16 matrix units (AVX512-BF16 / AMX, as oneDNN
    reports them), else ``"float32"``: the demo's generation dtype.

    Measured on SmolLM2-135M + the demo LoRA (one thread, batch 8): bfloat16 decoding steps took 0.53-0.58
    of the float32 time and prefill 0.46, while the next-token distributions barely moved (mean KL 0.0012
    nats per token on four test-split reports; their mean NLL 3.201 -> 3.203). Without such units bfloat16
    is emulated and slower than float32, hence the check. (Dynamic int8 quantisation of the linear layers
    was faster too but moved the distributions by a KL of 1.4 nats per token: not used.)
    """
    try:
        import torch

        return "bfloat16" if torch.ops.mkldnn._is_mkldnn_bf16_supported() else "float32"
    except (ImportError, AttributeError, RuntimeError):
        return "float32"


@dataclass(frozen=True, kw_only=True)
class DemoGenerator:
    """Backend settings of a demo generator and how the card names it."""

    backend_settings: dict[str, Any]
    title: str
    caveat: str


def smollm2_generator(
    *, steps: int | None = None, seed: int = 0, cache_dir: Path | None = None, dtype: str | None = None
) -> DemoGenerator:
    """SmolLM2-135M-Instruct (converted from the registry wheel) with the shipped demo LoRA, or with
    ``steps`` given, a LoRA of that many steps trained on the demo train split (cached). It generates in
    ``dtype`` (default :func:`demo_dtype`: bfloat16 where the CPU has bfloat16 units, else float32)."""
    from hf_synthmh.demo.smollm2 import SMOLLM2, smollm2_model

    model = smollm2_model(cache_dir=cache_dir)
    dtype = dtype or demo_dtype()
    if steps is None:
        adapter = shipped_adapter()
        origin = (
            "trained by the project with `hf-synthmh finetune` on the fictional demo corpus' train split "
            "and shipped in the package (float16 weights, sha256 "
            f"{SHIPPED_SHA256['adapter_model.safetensors'][:12]}...)"
        )
    else:
        adapter = demo_adapter(model, steps=steps, seed=seed, cache_dir=cache_dir)
        origin = "trained by `hf-synthmh finetune` on the fictional demo corpus' train split for this run"
    log = json.loads((adapter / "training_log.json").read_text())
    s = log.get("settings", {})
    modules = ", ".join(s.get("target_modules", ()))
    caveat = (
        f"Generated by {SMOLLM2.hub_id} (licence {SMOLLM2.license}; the Q4_1 GGUF file of the registry wheel "
        f"{SMOLLM2.distribution}=={SMOLLM2.version}, dequantised to float32) with a LoRA adapter (rank "
        f"{s.get('r')} on {modules}, {log.get('steps')} steps of batch {s.get('batch_size')}, validation "
        f"loss {_num(log.get('initial_validation_loss'))} -> {_num(log.get('best_validation_loss'))}) "
        f"{origin}; generation in {dtype}. A 135M-parameter model briefly adapted: the reports are shaped like the corpus but "
        "clinically weak."
    )
    return DemoGenerator(
        backend_settings={
            "model": str(model),
            "adapter": str(adapter),
            "display_name": f"{SMOLLM2.hub_id}+hf_synthmh-demo-lora",
            "dtype": dtype,
        },
        title=f"hf_synthmh demo: synthetic reports from {SMOLLM2.folder} (Apache-2.0) + the hf_synthmh demo LoRA",
        caveat=caveat,
    )


def _num(value: Any) -> str:
    return f"{value:.3f}" if isinstance(value, float) else "n/a"
