"""The project's sampler: per-row seeded Gumbel-max sampling with temperature, top-k and top-p.

Row ``i`` at step ``t`` draws its noise from a generator seeded by ``(seeds[i], t)`` alone, so a row's
sample does not depend on its batch mates (see :mod:`hf_synthmh.backends.transformers`). Used as a
``transformers`` logits processor inside ``model.generate`` and by the decode loop of
:mod:`hf_synthmh.backends.decode`, whose rows are at different steps (:meth:`RowSeededSampler.process`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import TYPE_CHECKING

from hf_synthmh.backends.base import SamplingSettings

if TYPE_CHECKING:
    import torch

__all__ = ["RowSeededSampler"]


def _noise_seed(seed: int, step: int) -> int:
    digest = hashlib.blake2b(f"{seed}:{step}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") & 0x7FFF_FFFF_FFFF_FFFF


class RowSeededSampler:
    """A ``transformers`` logits processor that samples each row from its own seeded stream.

    Use it with ``do_sample=False``: it applies temperature, top-k and top-p to the float32 scores, then
    adds Gumbel noise from ``torch.Generator(seed=hash(seeds[i], step))``, so the following argmax is a
    sample. ``prompt_length`` is the padded prompt length; steps count from the first generated token.
    With ``temperature == 0`` it returns the scores unchanged (greedy decoding).

    Only the candidates that survive top-k/top-p are scored: they come from ``torch.topk`` (each row's
    nucleus search starts at 64 tokens and grows 8-fold until its nucleus fits), never from a sort of the
    whole vocabulary, and the Gumbel transform runs on them alone. A full sort of a 49k vocabulary cost more per
    step than the rest of the sampler together. Every other token gets ``-inf``.

    >>> import torch
    >>> from hf_synthmh.backends import SamplingSettings
    >>> sampler = RowSeededSampler(seeds=[7, 7], sampling=SamplingSettings(top_p=0.5), prompt_length=3)
    >>> scores = torch.tensor([[4.0, 3.0, 0.0, -1.0], [4.0, 3.0, 0.0, -1.0]])
    >>> out = sampler(torch.zeros(2, 3, dtype=torch.long), scores)
    >>> out.isfinite().tolist()  # the nucleus of p=0.5 is the top token alone; same seed, same noise
    [[True, False, False, False], [True, False, False, False]]
    """

    #: Candidates of the first top-k of the nucleus search; multiplied by 8 until a row's nucleus fits.
    FIRST_CANDIDATES = 64

    def __init__(self, *, seeds: Sequence[int], sampling: SamplingSettings, prompt_length: int) -> None:
        self.seeds = [int(s) for s in seeds]
        self.sampling = sampling
        self.prompt_length = prompt_length

    def __call__(self, input_ids: torch.Tensor, scores: torch.Tensor) -> torch.Tensor:
        step = input_ids.shape[1] - self.prompt_length
        return self.process(scores, [step] * len(self.seeds))

    def process(self, scores: torch.Tensor, steps: Sequence[int]) -> torch.Tensor:
        """``scores`` filtered and perturbed, row ``i`` with the noise of ``(seeds[i], steps[i])``: the
        argmax of the result is each row's sample (the decode loop's rows are at different steps)."""
        import torch

        s = self.sampling
        scores = scores.float()
        if s.temperature == 0:
            return scores
        steps = [int(t) for t in steps]
        scores = scores / s.temperature
        vocab = scores.shape[-1]
        if 0 < s.top_k < vocab:
            values, index = torch.topk(scores, s.top_k, dim=-1)  # sorted, largest first
            if s.top_p < 1.0:
                values = _drop_outside_nucleus(values, values.logsumexp(dim=-1, keepdim=True), s.top_p)
            return self._perturb(scores, range(len(self.seeds)), steps, values, index)
        if s.top_p >= 1.0:
            return self._perturb(scores, range(len(self.seeds)), steps, scores, None)
        out = torch.full_like(scores, float("-inf"))
        log_total = scores.logsumexp(dim=-1, keepdim=True)
        rows, k = torch.arange(len(self.seeds), device=scores.device), min(self.FIRST_CANDIDATES, vocab)
        while len(rows):  # each row leaves with the smallest top-k that holds its nucleus
            values, index = torch.topk(scores[rows], k, dim=-1)
            kept = _drop_outside_nucleus(values, log_total[rows], s.top_p)
            fits = kept[:, -1].isneginf() | (k == vocab)
            done = rows[fits].tolist()
            if done:
                out[done] = self._perturb(scores[done], done, steps, kept[fits], index[fits])
            rows, k = rows[~fits], min(vocab, 8 * k)
        return out

    def _perturb(
        self,
        scores: torch.Tensor,
        rows: Sequence[int],
        steps: Sequence[int],
        values: torch.Tensor,
        index: torch.Tensor | None,
    ) -> torch.Tensor:
        """``scores``' rows with ``values`` + Gumbel noise at token ids ``index`` (every token when
        ``None``) and ``-inf`` elsewhere; row ``i`` of ``scores`` is batch row ``rows[i]``, at step
        ``steps[rows[i]]``."""
        import torch

        noise = torch.empty(values.shape, dtype=torch.float32)
        for i, row in enumerate(rows):
            gen = torch.Generator().manual_seed(_noise_seed(self.seeds[row], steps[row]))
            uniform = torch.rand(scores.shape[-1], generator=gen, dtype=torch.float32)
            noise[i] = uniform if index is None else uniform[index[i].cpu()]
        gumbel = -torch.log(-torch.log(noise.clamp(min=1e-20, max=1.0 - 1e-7)))
        perturbed = values + gumbel.to(values.device)
        if index is None:
            return perturbed
        return torch.full_like(scores, float("-inf")).scatter_(-1, index, perturbed)


def _drop_outside_nucleus(ordered: torch.Tensor, log_total: torch.Tensor, top_p: float) -> torch.Tensor:
    """``ordered`` (largest first) with ``-inf`` where the probability mass before a token exceeds
    ``top_p``; ``log_total`` is the log of the whole row's mass, so the top token is always kept."""
    probs = (ordered - log_total).exp()
    return ordered.masked_fill((probs.cumsum(dim=-1) - probs) > top_p, float("-inf"))
