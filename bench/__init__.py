"""Quality and speed benchmarks: each prints ratios measured side by side in one run."""

from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"  # the evaluation sets, each with its source and licence
