"""Real-only vs augmented F1 per ICD-10 code on the demo corpus, for the rows a demo run kept.

Run the demo first, then this on its output folder::

    .venv/bin/hf-synthmh demo --out demo_out
    .venv/bin/python scripts/utility_demo.py demo_out

The classifier (TF-IDF + logistic regression, as in ``hf-synthmh evaluate``) is trained on the real
train split, on real + the kept synthetic rows, and on the synthetic rows alone, and tested on the real
test split; F1 per code with 95% bootstrap intervals. The demo corpus's codes are easy to tell apart
from their wording, so the script repeats the measurement with fewer sections visible to the
classifier: each view drops the named sections (see ``hf_synthmh.sections.drop_sections``).
"""

from __future__ import annotations

import argparse
import functools
import os
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")

VIEWS: dict[str, tuple[str, ...]] = {
    "all but impression": ("impression",),
    "risk + plan only": ("impression", "history", "referral", "mse"),
    "risk only": ("impression", "history", "referral", "mse", "plan"),
}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("out_dir", type=Path, help="the demo's --out folder (holds published/)")
    parser.add_argument("--bootstrap", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0, help="the demo's --seed (same corpus)")
    args = parser.parse_args()

    from datasets import load_dataset

    from hf_synthmh.demo.corpus import load_demo_corpus
    from hf_synthmh.io import codes_of
    from hf_synthmh.metrics.utility import utility_report
    from hf_synthmh.sections import drop_sections

    real = load_demo_corpus(seed=args.seed)
    synthetic = load_dataset(str(args.out_dir / "published"), split="train")
    train, test = real["train"], real["test"]
    print(f"real train {len(train)}, kept synthetic {len(synthetic)}, real test {len(test)}")
    for view, drop in VIEWS.items():
        report = utility_report(
            real_texts=train["text"],
            real_labels=codes_of(train),
            synthetic_texts=synthetic["text"],
            synthetic_labels=codes_of(synthetic),
            test_texts=test["text"],
            test_labels=codes_of(test),
            n_bootstrap=args.bootstrap,
            preprocess=functools.partial(drop_sections, drop=drop),
        )
        overall = report["overall"]
        print(f"\n## classifier sees: {view} (drops {', '.join(drop)})\n")
        print("| code | real train | synthetic | test | real only F1 | real + synthetic F1 | gain [95% CI] |")
        print("| --- | ---: | ---: | ---: | ---: | ---: | --- |")
        for code, row in report["per_code"].items():
            print(
                f"| {code} | {row['n_train_real']} | {row['n_train_synthetic']} | {row['n_test']} "
                f"| {row['real_only_f1']:.3f} | {row['real_plus_synthetic_f1']:.3f} "
                f"| {row['f1_gain']:+.3f} [{row['f1_gain_ci_low']:+.3f}, {row['f1_gain_ci_high']:+.3f}] |"
            )
        print(
            f"| macro | | | {overall['n_test']} | {overall['real_only_macro_f1']:.3f} "
            f"| {overall['real_plus_synthetic_macro_f1']:.3f} | {overall['macro_f1_gain']:+.3f} "
            f"[{overall['macro_f1_gain_ci_low']:+.3f}, {overall['macro_f1_gain_ci_high']:+.3f}] |"
        )
        print(
            f"synthetic only macro-F1 {overall['synthetic_only_macro_f1']:.3f}; "
            f"augmentation score {overall['augmentation_score']:.3f}"
        )


if __name__ == "__main__":
    main()
