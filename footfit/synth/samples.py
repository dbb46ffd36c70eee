"""Regenerate the bundled ``sample_scans/`` (run ``python -m footfit.synth.samples DIR``).

Each sample is a foot drawn from the ANSUR II population with a fixed seed, its arch type,
side and scanner options set so that together the samples cover both sexes, all three arch
types, left and right, with and without the plantar surface, every writable format, several
units, and a two-feet scan. Every file stays under 2 MB.
"""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

from footfit.synth.dataset import write_synthetic_scan
from footfit.synth.population import sample_population

__all__ = ["SAMPLES", "make_sample_scans"]

COMMAND = "python -m footfit.synth.samples sample_scans"

#: name -> (seed, sex, side, arch type, scanner options)
SAMPLES = {
    "demo_two_feet.ply": (101, "male", "right", "normal",
                          {"n_points": 36_000, "second_foot": True, "units": "mm"}),
    "demo_right_m.ply": (102, "male", "right", "normal", {"n_points": 36_000}),
    "left_f_high.pcd": (103, "female", "left", "high", {"n_points": 36_000}),
    "right_f_flat_noplantar_cm.xyz": (104, "female", "right", "flat",
                                      {"n_points": 30_000, "plantar": False, "units": "cm"}),
    "left_m_flat_m.xyz": (105, "male", "left", "flat", {"n_points": 30_000, "units": "m"}),
    "right_m_high.stl": (106, "male", "right", "high", {"units": "mm"}),
    "left_f_normal_noplantar_in.ply": (107, "female", "left", "normal",
                                       {"n_points": 36_000, "plantar": False, "units": "in"}),
    "right_f_normal_nofloor.pcd": (108, "female", "right", "normal",
                                   {"n_points": 36_000, "floor": False}),
    "two_feet_f_high_cm.ply": (109, "female", "left", "high",
                               {"n_points": 36_000, "second_foot": True, "units": "cm"}),
}


def make_sample_scans(out: str | Path) -> list[Path]:
    """Write every sample of ``SAMPLES`` and its truth file into ``out``."""
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, (seed, sex, side, arch, options) in SAMPLES.items():
        p = sample_population(1, sex=sex, rng=seed)[0]
        p = replace(p, side=side, arch_type=arch, arch_index=None)
        scan, truth = write_synthetic_scan(p, folder / name, seed=seed, command=COMMAND,
                                           **options)
        written += [scan, truth]
    return written


if __name__ == "__main__":  # pragma: no cover
    for path in make_sample_scans(sys.argv[1] if len(sys.argv) > 1 else "sample_scans"):
        sys.stdout.write(f"{path}\n")
