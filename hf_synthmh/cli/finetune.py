"""`hf-synthmh finetune`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from hf_synthmh.cli._app import app, console, one_thread
from hf_synthmh.cli._out import hold_out


@app.command()
def finetune(
    ctx: typer.Context,
    real: Annotated[Path, typer.Option(help="Real reports: .jsonl, .csv, .parquet or a saved dataset.")],
    model: Annotated[str, typer.Option(help="Base causal LM: Hub id or local folder.")],
    out: Annotated[Path, typer.Option(help="Adapter folder (a rerun resumes its checkpoint).")],
    split: Annotated[str | None, typer.Option(help="Split of --real to train on (saved datasets).")] = None,
    base_id: Annotated[
        str | None,
        typer.Option(
            help="Name of the base model in the adapter config and card (default: Hub id or folder name)."
        ),
    ] = None,
    epochs: Annotated[int, typer.Option(help="Passes over the training rows.")] = 1,
    max_steps: Annotated[
        int | None, typer.Option(help="Stop after this many steps (overrides --epochs).")
    ] = None,
    batch_size: Annotated[int, typer.Option(help="Sequences per step.")] = 4,
    micro_batch_size: Annotated[
        int | None,
        typer.Option(
            help="Run each step's batch through the model in passes of this size (same update, less memory)."
        ),
    ] = None,
    learning_rate: Annotated[float, typer.Option(help="AdamW learning rate.")] = 2e-4,
    rank: Annotated[int, typer.Option("--r", help="LoRA rank.")] = 16,
    lora_alpha: Annotated[int, typer.Option(help="LoRA alpha.")] = 32,
    max_length: Annotated[int, typer.Option(help="Tokens per sequence, prompt included.")] = 768,
    packing: Annotated[
        bool, typer.Option(help="Pack whole examples into sequences of --max-length.")
    ] = False,
    validation_fraction: Annotated[float, typer.Option(help="Rows held out for validation.")] = 0.1,
    patience: Annotated[int, typer.Option(help="Evaluations without improvement before stopping.")] = 2,
    eval_every: Annotated[
        int | None, typer.Option(help="Evaluate every N steps (default: each epoch).")
    ] = None,
    save_every: Annotated[int, typer.Option(help="Checkpoint every N steps.")] = 5,
    license: Annotated[str | None, typer.Option(help="Licence named in the card (the base model's).")] = None,
    seed: Annotated[int, typer.Option(help="Seed of the split, data order and LoRA initialisation.")] = 0,
    dp_epsilon: Annotated[
        float | None,
        typer.Option(
            help="DP-SGD (opacus): target epsilon; the noise is chosen so the run spends at most it."
        ),
    ] = None,
    dp_noise_multiplier: Annotated[
        float | None, typer.Option(help="DP-SGD with this noise multiplier (instead of --dp-epsilon).")
    ] = None,
    dp_delta: Annotated[
        float | None, typer.Option(help="DP delta (default: 1 / (10 x training rows)).")
    ] = None,
    dp_max_grad_norm: Annotated[float, typer.Option(help="DP per-report gradient clipping norm.")] = 1.0,
    canaries: Annotated[
        int,
        typer.Option(
            help="Canary audit: plant N random secret-like sentences in a copy of the train split, train on "
            "it and report each canary's exposure (OUT/canary_audit.json)."
        ),
    ] = 0,
    canary_repeats: Annotated[
        str, typer.Option(help="Training rows per canary, cycled over the canaries (0: a control).")
    ] = "0,1,4,16",
    canary_candidates: Annotated[
        int, typer.Option(help="Random candidates each canary's likelihood is ranked against.")
    ] = 200,
) -> None:
    """Train a LoRA adapter so the model writes a report given the Generator's prompt for its code.

    Loss on report tokens only; a validation split with early stopping; checkpoints every --save-every
    steps (a killed run continues when started again). The folder gets a card with sizes and losses, never
    text. Python: TransformersBackend(model=BASE, adapter=OUT).

    With --dp-epsilon or --dp-noise-multiplier: DP-SGD on the LoRA parameters (Poisson sampling of
    --batch-size rows on average, per-report clipping, Gaussian noise); the epsilon spent per epoch goes
    to the card and to OUT/privacy.json. Needs the dp extra (opacus)."""
    one_thread()
    hold_out(ctx, out)
    from hf_synthmh.finetune import DPSettings, FinetuneSettings
    from hf_synthmh.finetune import finetune as run
    from hf_synthmh.io import read_table

    dp = None
    if dp_epsilon is not None or dp_noise_multiplier is not None:
        try:
            dp = DPSettings(
                target_epsilon=dp_epsilon,
                noise_multiplier=dp_noise_multiplier,
                delta=dp_delta,
                max_grad_norm=dp_max_grad_norm,
            )
        except ValueError as err:
            raise typer.BadParameter(str(err), param_hint="--dp-epsilon/--dp-noise-multiplier") from err
    try:
        settings = FinetuneSettings(
            r=rank,
            lora_alpha=lora_alpha,
            learning_rate=learning_rate,
            epochs=epochs,
            max_steps=max_steps,
            batch_size=batch_size,
            micro_batch_size=micro_batch_size,
            max_length=max_length,
            packing=packing,
            validation_fraction=validation_fraction,
            eval_every=eval_every,
            patience=patience,
            save_every=save_every,
            seed=seed,
            dp=dp,
        )
    except ValueError as err:
        raise typer.BadParameter(str(err)) from err
    train = read_table(real, split=split, id_prefix="real")
    common: dict[str, Any] = {
        "model": model,
        "out": out,
        "settings": settings,
        "base_id": base_id,
        "split_name": split or real.name,
        "license": license,
    }
    audit = None
    if canaries > 0:
        from hf_synthmh.finetune.audit import canary_audit

        try:
            repeats = tuple(int(x) for x in canary_repeats.split(",") if x.strip())
        except ValueError as err:
            raise typer.BadParameter("give integers, e.g. 0,1,4,16", param_hint="--canary-repeats") from err
        if not repeats or min(repeats) < 0:
            raise typer.BadParameter("give integers >= 0, e.g. 0,1,4,16", param_hint="--canary-repeats")
        audit = canary_audit(
            train, n=canaries, repeats=repeats, n_candidates=canary_candidates, seed=seed, **common
        )
        result = audit.finetune
    else:
        result = run(train, **common)
    before, best = result.initial_validation_loss, result.best_validation_loss
    losses = f"validation loss {before:.4f} -> {best:.4f}" if before is not None and best is not None else ""
    console.print(
        f"Adapter: {out}  ({result.steps} steps, {result.seconds:.0f} s"
        + (f", resumed at step {result.resumed_at_step}" if result.resumed_at_step else "")
        + (", stopped early" if result.stopped_early else "")
        + (f"; {losses}" if losses else "")
        + ")"
    )
    if result.privacy is not None:
        spent = ", ".join(
            f"epoch {h['epoch']}: {h['epsilon']:.3f}" for h in result.privacy["epsilon_history"]
        )
        console.print(
            f"DP-SGD: epsilon {result.privacy['epsilon']} at delta {result.privacy['delta']:.3g} "
            f"(noise {result.privacy['noise_multiplier']:.3f}, clip {result.privacy['max_grad_norm']}); "
            f"spent per epoch: {spent}"
        )
    if audit is not None:
        _print_exposures(audit)


def _print_exposures(audit: Any) -> None:
    from rich.table import Table

    table = Table(title=f"Canary exposure (log2 |R| = {audit.exposures[0]['max_exposure']:.1f})")
    for column in ("canary", "repeats", "exposure", "exposure (sampled rank)", "rank / candidates"):
        table.add_column(column, justify="right")
    for e in audit.exposures:
        table.add_row(
            str(e["canary"]),
            str(e["repeats"]),
            f"{e['exposure']:.2f}",
            f"{e['exposure_sampled']:.2f}",
            f"{e['rank_sampled']} / {e['n_candidates']}",
        )
    console.print(table)
    s = audit.summary
    console.print(
        f"Mean exposure: planted {s['mean_exposure_planted']}, controls {s['mean_exposure_controls']}"
    )
