"""Tiny causal LMs built in code (nothing is downloaded): Llama-3, Qwen2 (the R1-distill architecture),
Qwen3 and hybrid-attention Qwen3.5 text models with real kinds of chat templates, a plain model without a
template, and a random LoRA adapter.

Weights are random, so the text is gibberish, but tokenisation, templates, padding and sampling are real.
Import these builders from tests (``tests/`` is on ``sys.path`` through its conftest).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

REPORT_TEXTS = [
    "Reason for referral\nReferred by the general practitioner with low mood and poor sleep.\n"
    "History of presenting complaint\nFour months of low mood, anhedonia and early waking.\n"
    "Mental state examination\nCasually dressed, reduced eye contact, speech slow, mood low.\n"
    "Risk assessment\nPassive thoughts of death, no plan or intent.\n"
    "Impression\nF32.1 Major depressive disorder, single episode, moderate.\n"
    "Plan\nStart an antidepressant, weekly review, safety plan agreed.",
    "Reason for referral\nPersistent worry and tension affecting work.\n"
    "History of presenting complaint\nSix months of uncontrollable worry, restlessness and poor concentration.\n"
    "Mental state examination\nAnxious affect, fidgety, thought content dominated by worry.\n"
    "Risk assessment\nNo thoughts of self-harm.\n"
    "Impression\nF41.1 Generalized anxiety disorder.\n"
    "Plan\nCognitive behavioural therapy and review in four weeks.",
    "ICD-10: F20.0 Paranoid schizophrenia\nPatient: 25-34, male, inpatient ward\nReport:\n",
    "You are an experienced consultant psychiatrist who writes fictional psychiatric evaluation reports.",
    "Write one fictional psychiatric evaluation report for a patient whose primary diagnosis is ICD-10.",
]

LLAMA3_TEMPLATE = (
    "{{- bos_token }}"
    "{%- for message in messages %}"
    "{{- '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n' + message['content'] | trim"
    " + '<|eot_id|>' }}"
    "{%- endfor %}"
    "{%- if add_generation_prompt %}{{- '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}{%- endif %}"
)

QWEN3_TEMPLATE = (
    "{%- for message in messages %}"
    "{{- '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>\\n' }}"
    "{%- endfor %}"
    "{%- if add_generation_prompt %}"
    "{{- '<|im_start|>assistant\\n' }}"
    "{%- if enable_thinking is defined and enable_thinking is false %}"
    "{{- '<think>\\n\\n</think>\\n\\n' }}"
    "{%- endif %}"
    "{%- endif %}"
)

#: A DeepSeek-R1-distill-style template: the prompt itself opens the reasoning block.
R1_TEMPLATE = (
    "{{- bos_token }}"
    "{%- for message in messages %}"
    "{%- if message['role'] == 'user' %}{{- '<|User|>' + message['content'] }}"
    "{%- else %}{{- message['content'] }}{%- endif %}"
    "{%- endfor %}"
    "{%- if add_generation_prompt %}{{- '<|Assistant|><think>\\n' }}{%- endif %}"
)

#: A Qwen3.5-style template: like Qwen3's, but a thinking turn opens ``<think>`` inside the prompt (as the
#: Qwen3 thinking-only releases do); the backends handle either form, so this exercises the harder one.
QWEN35_TEMPLATE = (
    "{%- for message in messages %}"
    "{{- '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>\\n' }}"
    "{%- endfor %}"
    "{%- if add_generation_prompt %}"
    "{{- '<|im_start|>assistant\\n' }}"
    "{%- if enable_thinking is defined and enable_thinking is false %}{{- '<think>\\n\\n</think>\\n\\n' }}"
    "{%- else %}{{- '<think>\\n' }}{%- endif %}"
    "{%- endif %}"
)

SPECIALS = [
    "<|begin_of_text|>",
    "<|end_of_text|>",
    "<|start_header_id|>",
    "<|end_header_id|>",
    "<|eot_id|>",
    "<|im_start|>",
    "<|im_end|>",
    "<|endoftext|>",
    "<|User|>",
    "<|Assistant|>",
    "<think>",
    "</think>",
]


def build_tokenizer(*, vocab_size: int = 400, chat_template: str | None = None, style: str = "llama") -> Any:
    """A byte-level BPE tokenizer trained in code, wrapped as a transformers fast tokenizer."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=SPECIALS,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tok.train_from_iterator(REPORT_TEXTS * 3, trainer=trainer)
    if style == "qwen":
        wrapped = PreTrainedTokenizerFast(
            tokenizer_object=tok, eos_token="<|im_end|>", pad_token="<|endoftext|>"
        )
    else:
        wrapped = PreTrainedTokenizerFast(
            tokenizer_object=tok, bos_token="<|begin_of_text|>", eos_token="<|eot_id|>"
        )
    # Every marker is a special token here, <think> included, to exercise the decode path that keeps it.
    wrapped.add_special_tokens({"additional_special_tokens": SPECIALS})
    if chat_template is not None:
        wrapped.chat_template = chat_template
    return wrapped


def _save(model: Any, tokenizer: Any, out: Path) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    model.generation_config.eos_token_id = tokenizer.eos_token_id
    model.generation_config.pad_token_id = tokenizer.pad_token_id
    model.save_pretrained(out)
    tokenizer.save_pretrained(out)
    return out


def _build(
    out: Path, *, config_class: Any, model_class: Any, tokenizer: Any, seed: int, **config: Any
) -> Path:
    """A 64-wide model of ``model_class`` (2 layers unless ``config`` says otherwise), saved to ``out``."""
    import torch

    settings: dict[str, Any] = {
        "vocab_size": len(tokenizer),
        "hidden_size": 64,
        "intermediate_size": 128,
        "num_hidden_layers": 2,
        "num_attention_heads": 4,
        "num_key_value_heads": 2,
        # room for the project's ~700-token prompts plus an answer: newer servers (transformers serve
        # 5.25) refuse a request longer than the model's context with 400
        "max_position_embeddings": 2048,
        "eos_token_id": tokenizer.eos_token_id,
        "tie_word_embeddings": True,
        **config,
    }
    torch.manual_seed(seed)
    return _save(model_class(config_class(**settings)), tokenizer, out)


def build_tiny_llama(out: Path, *, chat_template: str | None = LLAMA3_TEMPLATE, seed: int = 0) -> Path:
    """A 2-layer, 64-wide Llama; ``chat_template=None`` gives a base model (plain prompts)."""
    from transformers import LlamaConfig, LlamaForCausalLM

    tokenizer = build_tokenizer(chat_template=chat_template, style="llama")
    return _build(
        out,
        config_class=LlamaConfig,
        model_class=LlamaForCausalLM,
        tokenizer=tokenizer,
        seed=seed,
        bos_token_id=tokenizer.bos_token_id,
    )


def build_tiny_qwen3(out: Path, *, chat_template: str = QWEN3_TEMPLATE, seed: int = 0) -> Path:
    """A 2-layer, 64-wide Qwen3 with a ChatML template that honours ``enable_thinking``."""
    from transformers import Qwen3Config, Qwen3ForCausalLM

    tokenizer = build_tokenizer(chat_template=chat_template, style="qwen")
    return _build(
        out,
        config_class=Qwen3Config,
        model_class=Qwen3ForCausalLM,
        tokenizer=tokenizer,
        seed=seed,
        head_dim=16,
        pad_token_id=tokenizer.pad_token_id,
    )


def build_tiny_qwen2(out: Path, *, chat_template: str = R1_TEMPLATE, seed: int = 0) -> Path:
    """A 2-layer Qwen2 (the architecture of the DeepSeek-R1-Distill-Qwen models)."""
    from transformers import Qwen2Config, Qwen2ForCausalLM

    tokenizer = build_tokenizer(chat_template=chat_template, style="qwen")
    return _build(
        out,
        config_class=Qwen2Config,
        model_class=Qwen2ForCausalLM,
        tokenizer=tokenizer,
        seed=seed,
        pad_token_id=tokenizer.pad_token_id,
    )


def build_tiny_qwen35(out: Path, *, chat_template: str = QWEN35_TEMPLATE, seed: int = 0) -> Path:
    """A 4-layer Qwen3.5 text model: three gated-DeltaNet (linear attention) layers, one full attention."""
    from transformers import Qwen3_5ForCausalLM, Qwen3_5TextConfig

    tokenizer = build_tokenizer(chat_template=chat_template, style="qwen")
    return _build(
        out,
        config_class=Qwen3_5TextConfig,
        model_class=Qwen3_5ForCausalLM,
        tokenizer=tokenizer,
        seed=seed,
        num_hidden_layers=4,
        head_dim=16,
        linear_num_key_heads=2,
        linear_num_value_heads=2,
        linear_key_head_dim=16,
        linear_value_head_dim=16,
        pad_token_id=tokenizer.pad_token_id,
    )


def build_lora_adapter(base: Path, out: Path, *, seed: int = 1) -> Path:
    """A random (non-zero) LoRA adapter on q/v projections of the model in ``base``."""
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    torch.manual_seed(seed)
    model = AutoModelForCausalLM.from_pretrained(base)
    config = LoraConfig(r=4, lora_alpha=32, target_modules=["q_proj", "v_proj"], init_lora_weights=False)
    peft_model = get_peft_model(model, config)
    peft_model.save_pretrained(str(out))
    return out
