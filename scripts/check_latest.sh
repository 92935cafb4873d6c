#!/usr/bin/env bash
# Drift check: build a throw-away venv with the NEWEST versions pyproject.toml allows (ignoring
# constraints.txt), run the default test suite there, and list what differs from constraints.txt.
# Not part of .ci/run. Run it before upgrading constraints.txt, or on a schedule:
#
#   bash scripts/check_latest.sh                 # torch stays 2.13.0 (the CPU wheel)
#   CHECK_TORCH=torch bash scripts/check_latest.sh   # also try the newest torch (may pull a CUDA build)
#   bash scripts/check_latest.sh tests/backends  # extra arguments go to pytest
#
# Exit status: pytest's. The venv is left in $CHECK_VENV (default: a new temporary folder) for a look.
set -uo pipefail
cd "$(dirname "$0")/.."
venv=${CHECK_VENV:-$(mktemp -d)/venv}
export OMP_NUM_THREADS=1 TOKENIZERS_PARALLELISM=false
python3 -m venv "$venv" || exit 1
torch_spec=${CHECK_TORCH:-torch==2.13.0}
pins="$venv/../torch-pin.txt"
# keep torch where it was put unless CHECK_TORCH=torch: an eager upgrade would pull a multi-GB CUDA build
if [ "$torch_spec" = torch ]; then : >"$pins"; else echo "$torch_spec" >"$pins"; fi
"$venv/bin/pip" install -q "$torch_spec" || exit 1
"$venv/bin/pip" install -q --upgrade --upgrade-strategy eager -c "$pins" -e '.[test]' || exit 1
echo "== versions that differ from constraints.txt (pinned -> newest allowed)"
"$venv/bin/pip" freeze --exclude-editable | sed 's/+cpu$//' | sort >"$venv/../latest.txt"
grep -v '^#' constraints.txt | sort | diff - "$venv/../latest.txt" | sed -n 's/^[<>] //p' |
  awk -F'==' '{ if ($1 in seen) { print "  " $1 ": " seen[$1] " -> " $2 } else seen[$1] = $2 }'
echo "== running the suite in $venv"
"$venv/bin/python" -m pytest -q "$@"
