"""LoRA fine-tuning of a causal LM on real reports, for the Generator (``hf-synthmh finetune``).

:func:`finetune` trains and saves an adapter folder (weights, config naming the base model by Hub id or
folder name, a card with sizes and losses, never text); load it with
``TransformersBackend(model=BASE, adapter=FOLDER)``. ``FinetuneSettings(dp=DPSettings(...))`` trains with
DP-SGD (:mod:`hf_synthmh.finetune.dp`); :mod:`hf_synthmh.finetune.canary` audits memorisation.
"""

from hf_synthmh.finetune.dp import DPSettings, read_privacy
from hf_synthmh.finetune.train import FinetuneResult, FinetuneSettings, finetune

__all__ = ["DPSettings", "FinetuneResult", "FinetuneSettings", "finetune", "read_privacy"]
