"""``python -m hf_synthmh.cli``."""

from hf_synthmh.cli import main

main()
