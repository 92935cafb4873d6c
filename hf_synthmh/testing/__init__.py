"""Helpers shared by the tests and the benchmark scripts (not part of the user API): a seeded
benchmark corpus for the membership checks (:mod:`.bench_corpus`), tiny chat and base models built in
code (:mod:`.tiny_models`), a local ``transformers serve`` (:mod:`.serve`) and scoring on the labelled
PHI sets (:mod:`.phi_sets`). Scripts import these, never ``tests/``.
"""
