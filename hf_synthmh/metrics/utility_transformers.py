"""A small transformer text classifier for :func:`hf_synthmh.metrics.utility.utility_report`
(``classifier="transformer"``). torch and transformers are imported only when it is used.

* ``model=None`` (default): a tiny BERT trained *from scratch* - a word-level tokenizer (lower-cased,
  split on whitespace and punctuation, words seen at least twice) fitted on the training texts, and a
  ``BertForSequenceClassification`` with ``hidden_size`` (64), ``layers`` (2) and 2 attention heads.
  Useful to check that conclusions do not hinge on TF-IDF features; no pretrained weights needed.
* ``model="<hub id or folder>"``: fine-tune that checkpoint (``AutoModelForSequenceClassification``,
  new classification head).

Training uses transformers' ``Trainer`` (``processing_class=`` the tokenizer, ``eval_strategy="no"``)
with a class-weighted cross-entropy (weights ``n / (k * count)``, as scikit-learn's
``class_weight="balanced"``), ``seed``, and no checkpoints or logs on disk (a temporary folder).
Prediction is the arg-max class, in batches, without gradients.
"""

from __future__ import annotations

import tempfile
from collections import Counter
from collections.abc import Sequence
from typing import Any

import numpy as np

from hf_synthmh._deps import require

__all__ = ["TransformerClassifier"]


class TransformerClassifier:
    """A transformer sequence classifier with ``fit(texts, labels)`` / ``predict(texts)``.

    Args:
        model: ``None`` for a tiny BERT trained from scratch, else a checkpoint to fine-tune.
        epochs, batch_size, learning_rate: training settings (learning rate default: 2e-3 from
            scratch, 5e-5 for a checkpoint).
        max_length: tokens per text (longer texts are truncated).
        hidden_size, layers: size of the from-scratch BERT.
        seed: seeds transformers' ``Trainer``.
        use_cpu: train on the CPU even when a GPU is present.
    """

    def __init__(
        self,
        model: str | None = None,
        *,
        epochs: float = 10.0,
        batch_size: int = 16,
        learning_rate: float | None = None,
        max_length: int = 256,
        hidden_size: int = 64,
        layers: int = 2,
        seed: int = 0,
        use_cpu: bool = False,
    ) -> None:
        self.model_name = model
        self.epochs, self.batch_size, self.max_length = epochs, batch_size, max_length
        self.learning_rate = learning_rate if learning_rate is not None else (2e-3 if model is None else 5e-5)
        self.hidden_size, self.layers, self.seed, self.use_cpu = hidden_size, layers, seed, use_cpu
        self.labels: list[str] = []
        self._model: Any = None
        self._tokenizer: Any = None

    def _scratch(self, texts: Sequence[str], n_labels: int) -> tuple[Any, Any]:
        transformers = require("transformers")
        tokenizers = require("tokenizers")
        tok = tokenizers.Tokenizer(tokenizers.models.WordLevel(unk_token="[UNK]"))
        tok.normalizer = tokenizers.normalizers.Lowercase()
        tok.pre_tokenizer = tokenizers.pre_tokenizers.Whitespace()
        trainer = tokenizers.trainers.WordLevelTrainer(
            special_tokens=["[PAD]", "[UNK]", "[CLS]", "[SEP]"], min_frequency=2
        )
        tok.train_from_iterator(list(texts), trainer=trainer)
        tok.post_processor = tokenizers.processors.TemplateProcessing(
            single="[CLS] $A [SEP]", special_tokens=[("[CLS]", 2), ("[SEP]", 3)]
        )
        tokenizer = transformers.PreTrainedTokenizerFast(
            tokenizer_object=tok, unk_token="[UNK]", pad_token="[PAD]", cls_token="[CLS]", sep_token="[SEP]"
        )
        config = transformers.BertConfig(
            vocab_size=tok.get_vocab_size(),
            hidden_size=self.hidden_size,
            num_hidden_layers=self.layers,
            num_attention_heads=2,
            intermediate_size=4 * self.hidden_size,
            max_position_embeddings=self.max_length + 2,
            num_labels=n_labels,
            pad_token_id=0,
        )
        return tokenizer, transformers.BertForSequenceClassification(config)

    def fit(self, texts: Sequence[str], labels: Sequence[str]) -> TransformerClassifier:
        """Train on ``texts`` / ``labels`` (label strings)."""
        torch = require("torch")
        transformers = require("transformers")
        datasets = require("datasets")
        self.labels = sorted({str(x) for x in labels})
        index = {label: i for i, label in enumerate(self.labels)}
        if self.model_name is None:
            tokenizer, model = self._scratch(texts, len(self.labels))
        else:
            tokenizer = transformers.AutoTokenizer.from_pretrained(self.model_name)
            model = transformers.AutoModelForSequenceClassification.from_pretrained(
                self.model_name,
                num_labels=len(self.labels),
                id2label=dict(enumerate(self.labels)),
                label2id=index,
                ignore_mismatched_sizes=True,
            )
        counts = Counter(str(x) for x in labels)
        weights = torch.tensor(
            [len(labels) / (len(self.labels) * counts[label]) for label in self.labels], dtype=torch.float32
        )
        encoded = tokenizer(list(texts), truncation=True, max_length=self.max_length)
        data = datasets.Dataset.from_dict({**encoded, "labels": [index[str(x)] for x in labels]})

        class WeightedTrainer(transformers.Trainer):  # type: ignore[name-defined]
            def compute_loss(
                self, model: Any, inputs: dict[str, Any], return_outputs: bool = False, **_: Any
            ) -> Any:
                target = inputs.pop("labels")
                outputs = model(**inputs)
                loss = torch.nn.functional.cross_entropy(
                    outputs.logits, target, weight=weights.to(outputs.logits.device)
                )
                return (loss, outputs) if return_outputs else loss

        with tempfile.TemporaryDirectory(prefix="hf_synthmh_clf_") as folder:
            args = transformers.TrainingArguments(
                output_dir=folder,
                num_train_epochs=self.epochs,
                per_device_train_batch_size=self.batch_size,
                learning_rate=self.learning_rate,
                seed=self.seed,
                eval_strategy="no",
                save_strategy="no",
                logging_strategy="no",
                report_to=[],
                disable_tqdm=True,
                use_cpu=self.use_cpu,
            )
            trainer = WeightedTrainer(
                model=model,
                args=args,
                train_dataset=data,
                processing_class=tokenizer,
                data_collator=transformers.DataCollatorWithPadding(tokenizer),
            )
            trainer.remove_callback(transformers.PrinterCallback)  # no metrics printed to stdout
            trainer.train()
        self._model, self._tokenizer = trainer.model.eval(), tokenizer
        return self

    def predict(self, texts: Sequence[str]) -> list[str]:
        """The most likely label of each text."""
        if self._model is None:
            raise RuntimeError("call fit() first")
        torch = require("torch")
        device = next(self._model.parameters()).device
        out: list[int] = []
        with torch.no_grad():
            for start in range(0, len(texts), 64):
                batch = self._tokenizer(
                    list(texts[start : start + 64]),
                    truncation=True,
                    max_length=self.max_length,
                    padding=True,
                    return_tensors="pt",
                ).to(device)
                logits = self._model(**batch).logits
                out.extend(np.asarray(logits.argmax(dim=-1).cpu()).tolist())
        return [self.labels[i] for i in out]
