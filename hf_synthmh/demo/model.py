"""The demo's generator: a tiny Llama trained in about a minute on one CPU core, cached on disk.

Each training example is the plain prompt of :func:`hf_synthmh.prompts.render_plain` (code, title and
patient attributes) followed by the real report and ``eos``, so at generation time the same prompt
conditions the model on the ICD-10 code. The tokenizer has no chat template, so
:class:`~hf_synthmh.backends.transformers.TransformersBackend` sends exactly that prompt.

It is a toy that memorises its training reports; the gate is there to catch the copies.

Example (trains once, then returns the cached folder)::

    from hf_synthmh.backends import TransformersBackend
    backend = TransformersBackend(model=str(demo_model()))
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import os
import random
import re
import shutil
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from hf_synthmh._deps import require

logger = logging.getLogger(__name__)

__all__ = ["MODEL_SETTINGS", "demo_model", "guess_attributes", "train_tiny_llama", "training_texts"]

#: Architecture of the demo model (220k parameters; 600 steps of 4 reports take about 80 s on one core).
MODEL_SETTINGS: Mapping[str, int] = {
    "vocab_size": 2000,
    "hidden_size": 64,
    "intermediate_size": 176,
    "num_hidden_layers": 2,
    "num_attention_heads": 4,
    "num_key_value_heads": 2,
    "max_position_embeddings": 512,
}
_BOS, _EOS, _PAD = "<s>", "</s>", "<pad>"
_VERSION = 1  # bump when training changes, to invalidate caches
_DONE = "hf_synthmh_demo.json"

#: Setting keywords, looked for in the first section (the referral) only, first match wins.
_SETTING_WORDS = (
    ("inpatient ward", ("inpatient", "ward", "admitted", "acute medical team", "liaison")),
    ("emergency department", ("emergency department", "a&e")),
    ("community team", ("community", "home treatment", "crisis resolution")),
    ("outpatient clinic", ("outpatient", "clinic", "gp", "practice nurse", "occupational health")),
)


def guess_attributes(text: str, *, key: str = "") -> dict[str, str]:
    """Patient attributes (age_band, sex, setting) read from a report, or drawn from ``key`` when absent.

    >>> guess_attributes("A 38-year-old woman was seen in the outpatient clinic.")
    {'age_band': '35-44', 'sex': 'female', 'setting': 'outpatient clinic'}
    """
    from hf_synthmh.plan import ATTRIBUTES

    rng = random.Random(hashlib.sha256(f"{key}:{text}".encode()).hexdigest())
    low = text.lower()
    out = {name: rng.choice(values) for name, values in ATTRIBUTES.items()}
    age = re.search(r"\b(\d{2})[- ]year[- ]old\b", low) or re.search(r"\baged (\d{2})\b", low)
    if age:
        years = int(age.group(1))
        for band in ATTRIBUTES["age_band"]:
            lo, hi = (int(x) for x in band.split("-"))
            if lo <= years <= hi:
                out["age_band"] = band
    female = len(re.findall(r"\b(she|her|woman|female|mother|wife|daughter|mrs|ms)\b", low))
    male = len(re.findall(r"\b(he|his|him|man|male|father|husband|son|mr)\b", low))
    if female != male:
        out["sex"] = "female" if female > male else "male"
    referral = low.strip().split("\n\n", 1)[0]
    for setting, words in _SETTING_WORDS:
        if any(re.search(rf"\b{re.escape(w)}\b", referral) for w in words):
            out["setting"] = setting
            break
    return out


def training_texts(*, codes: Sequence[str], titles: Sequence[str], reports: Sequence[str]) -> list[str]:
    """``render_plain(code, title, attributes) + report`` for each real report (attributes guessed).

    >>> training_texts(codes=["F41.1"], titles=["Generalized anxiety disorder"],
    ...                reports=["A 22-year-old man, seen in clinic."])[0].splitlines()[:3]
    ['ICD-10: F41.1 Generalized anxiety disorder', 'Patient: 18-24, male, outpatient clinic', 'Report:']
    """
    from hf_synthmh.prompts import render_plain

    return [
        render_plain(code=c, title=t, attributes=guess_attributes(r, key=c), exemplars=[]) + r.strip()
        for c, t, r in zip(codes, titles, reports, strict=True)
    ]


@contextmanager
def _one_thread() -> Iterator[None]:
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def _train_tokenizer(texts: Sequence[str], vocab_size: int) -> Any:
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers

    transformers = require("transformers")
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=[_PAD, _BOS, _EOS],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tok.train_from_iterator(texts, trainer=trainer)
    tok.post_processor = processors.TemplateProcessing(
        single=f"{_BOS} $A", special_tokens=[(_BOS, tok.token_to_id(_BOS))]
    )
    return transformers.PreTrainedTokenizerFast(
        tokenizer_object=tok, bos_token=_BOS, eos_token=_EOS, pad_token=_PAD, model_max_length=512
    )


def train_tiny_llama(
    texts: Sequence[str],
    out_dir: str | Path,
    *,
    steps: int,
    seed: int = 0,
    batch_size: int = 4,
    lr: float = 1e-2,
    settings: Mapping[str, int] = MODEL_SETTINGS,
    progress: bool = True,
) -> Path:
    """Train a BPE tokenizer and a tiny ``LlamaForCausalLM`` on ``texts`` (each a whole document, ``eos``
    appended) and save both to ``out_dir``. One torch thread, AdamW with warm-up and cosine decay."""
    import torch

    transformers = require("transformers")
    from tqdm.auto import tqdm

    if not texts:
        raise ValueError("no training texts")
    out = Path(out_dir)
    ctx = int(settings["max_position_embeddings"])
    with _one_thread():
        torch.manual_seed(seed)
        tokenizer = _train_tokenizer(texts, int(settings["vocab_size"]))
        docs = [tokenizer(t, truncation=True, max_length=ctx)["input_ids"] for t in texts]
        docs = [[*d, tokenizer.eos_token_id] if len(d) < ctx else d for d in docs]  # no eos on cut texts
        config = transformers.LlamaConfig(
            **{**settings, "vocab_size": len(tokenizer)},
            bos_token_id=tokenizer.bos_token_id,
            eos_token_id=tokenizer.eos_token_id,
            pad_token_id=tokenizer.pad_token_id,
            tie_word_embeddings=True,
        )
        model = transformers.LlamaForCausalLM(config)
        n_params = sum(p.numel() for p in model.parameters())
        logger.info("training a %d-parameter Llama on %d texts for %d steps", n_params, len(docs), steps)
        optimizer = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.01)
        warmup = max(1, steps // 20)

        def schedule(step: int) -> float:
            if step < warmup:
                return (step + 1) / warmup
            return 0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * (step - warmup) / max(1, steps - warmup)))

        scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, schedule)
        rng = random.Random(seed)
        order: list[int] = []
        model.train()
        smoothed = float("nan")
        bar = tqdm(range(steps), desc="Training demo model", disable=not progress, unit="step")
        for step in bar:
            while len(order) < batch_size:
                order += rng.sample(range(len(docs)), len(docs))
            batch = [docs[i] for i in order[:batch_size]]
            del order[:batch_size]
            width = max(len(d) for d in batch)
            ids = torch.tensor([d + [tokenizer.pad_token_id] * (width - len(d)) for d in batch])
            mask = torch.tensor([[1] * len(d) + [0] * (width - len(d)) for d in batch])
            labels = ids.masked_fill(mask == 0, -100)
            loss = model(input_ids=ids, attention_mask=mask, labels=labels).loss
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            scheduler.step()
            smoothed = loss.item() if step == 0 else 0.95 * smoothed + 0.05 * loss.item()
            bar.set_postfix(loss=f"{smoothed:.3f}")
        logger.info("demo model trained: smoothed loss %.3f after %d steps", smoothed, steps)
        model.eval()
        model.generation_config.eos_token_id = tokenizer.eos_token_id
        model.generation_config.pad_token_id = tokenizer.pad_token_id
        out.mkdir(parents=True, exist_ok=True)
        model.save_pretrained(out)
        tokenizer.save_pretrained(out)
    return out


def _cache_root(cache_dir: Path | None) -> Path:
    if cache_dir is not None:
        return Path(cache_dir)
    env = os.environ.get("HF_SYNTHMH_CACHE")
    return Path(env) if env else Path.home() / ".cache" / "hf_synthmh"


def demo_model(
    *, cache_dir: Path | None = None, steps: int = 600, seed: int = 0, progress: bool = True
) -> Path:
    """Train (once) the demo model on the demo corpus train split and return its folder.

    Cached under ``cache_dir``, ``$HF_SYNTHMH_CACHE`` or ``~/.cache/hf_synthmh``, in a folder named by a
    hash of the training texts and settings; training writes to a temporary folder renamed at the end.
    The folder loads with ``TransformersBackend(model=str(path))``.
    """
    from hf_synthmh import icd10
    from hf_synthmh.demo.corpus import load_demo_corpus
    from hf_synthmh.io import codes_of

    train = load_demo_corpus()["train"]
    codes = codes_of(train)
    texts = training_texts(codes=codes, titles=[icd10.title(c) for c in codes], reports=train["text"])
    return cached_tiny_llama(texts, cache_dir=cache_dir, steps=steps, seed=seed, progress=progress)


def cached_tiny_llama(
    texts: Sequence[str],
    *,
    cache_dir: Path | None = None,
    steps: int,
    seed: int = 0,
    batch_size: int = 4,
    lr: float = 1e-2,
    progress: bool = True,
    settings: Mapping[str, int] = MODEL_SETTINGS,
) -> Path:
    """:func:`train_tiny_llama` once per (texts, training settings), cached as :func:`demo_model`."""
    train = {"steps": steps, "seed": seed, "batch_size": batch_size, "lr": lr, "settings": dict(settings)}
    texts_hash = hashlib.sha256("\x00".join(texts).encode()).hexdigest()
    key = json.dumps({"texts": texts_hash, **train, "version": _VERSION}, sort_keys=True)
    digest = hashlib.sha256(key.encode()).hexdigest()[:16]
    root = _cache_root(cache_dir)
    final = root / f"demo-llama-{digest}"
    if (final / _DONE).exists():
        logger.info("demo model found in cache: %s", final)
        return final
    root.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".tmp-demo-llama-", dir=root))
    try:
        train_tiny_llama(
            texts,
            tmp,
            steps=steps,
            seed=seed,
            batch_size=batch_size,
            lr=lr,
            settings=settings,
            progress=progress,
        )
        (tmp / _DONE).write_text(key + "\n")
        try:
            os.replace(tmp, final)
        except OSError:  # another process finished first (the target exists and is not empty)
            if not (final / _DONE).exists():
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return final
