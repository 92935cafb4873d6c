"""LoRA fine-tuning of a causal LM on real reports, for the Generator (``hf-synthmh finetune``).

:func:`finetune` trains and saves an adapter folder (weights, config naming the base model by Hub id or
folder name, a card with sizes and losses, never text); load it with
``TransformersBackend(model=BASE, adapter=FOLDER)``.
"""

from hf_synthmh.finetune.train import FinetuneResult, FinetuneSettings, finetune

__all__ = ["FinetuneResult", "FinetuneSettings", "finetune"]
