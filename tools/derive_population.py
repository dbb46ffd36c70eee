"""Derive ``footfit/data/population_ansur2.json`` from the ANSUR II public tables.

Reads ``../shared/realscans/ansur2/ANSUR_II_{MALE,FEMALE}_Public.csv`` in place (or the folder
given as the first argument), and writes the per-sex means, standard deviations and correlation
matrix of the foot columns, plus the design-choice frequencies that footfit's synthetic
population uses (arch types, toe shapes, instep height, hallux angle). Run from the project
root::

    .venv/bin/python tools/derive_population.py [ANSUR_DIR]

Source: Gordon CC, Blackwell CL, Bradtmiller B et al. (2014). 2012 Anthropometric Survey of
U.S. Army Personnel: Methods and Summary Statistics. NATICK/TR-15/007. Public release.
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "footfit" / "data" / "population_ansur2.json"

# ANSUR II column -> footfit name (mm)
COLUMNS = {
    "footlength": "foot_length_mm",
    "balloffootcircumference": "ball_girth_mm",
    "footbreadthhorizontal": "ball_width_mm",
    "heelbreadth": "heel_width_mm",
    "balloffootlength": "ball_length_mm",
    "heelanklecircumference": "long_heel_girth_mm",
    "anklecircumference": "ankle_girth_mm",
    "lateralmalleolusheight": "lateral_malleolus_height_mm",
    "bimalleolarbreadth": "bimalleolar_breadth_mm",
}

DESIGN = {
    "arch_type_frequencies": {
        "values": {"high": 0.20, "normal": 0.60, "flat": 0.20},
        "source": "design choice [S]: normal arches the majority, high and flat arches a "
        "fifth each; DOMAIN.md gives no frequencies. Cut-offs of DOMAIN.md section 3 "
        "(Cavanagh & Rodgers 1987): AI <= 0.21 high, 0.21-0.26 normal, >= 0.26 flat.",
    },
    "arch_index_by_type": {
        "values": {
            "high": {"mean": 0.165, "sd": 0.035, "low": 0.02, "high": 0.200},
            "normal": {"mean": 0.235, "sd": 0.015, "low": 0.218, "high": 0.252},
            "flat": {"mean": 0.290, "sd": 0.022, "low": 0.270, "high": 0.37},
        },
        "source": "design choice [S]: normal distributions truncated to [low, high] inside "
        "each class with a margin from the 0.21 / 0.26 cut-offs, so the class of a generated "
        "foot is not ambiguous; overall mean about 0.23 and range 0.02-0.37 as reported by "
        "Wong 2012 (DOMAIN.md section 3).",
    },
    "toe_shape_frequencies": {
        "values": {"egyptian": 0.68, "greek": 0.17, "roman": 0.15},
        "source": "Egyptian 68 %: inside the 60-78 % of DOMAIN.md section 3 [S]; the "
        "split of the rest between Greek and Roman is a design choice.",
    },
    "toe_offset_mm": {
        "values": {
            "egyptian": {"mean": 6.0, "sd": 2.0, "low": 3.5, "high": 12.0},
            "greek": {"mean": -5.0, "sd": 1.5, "low": -9.0, "high": -3.5},
            "roman": {"mean": 0.0, "sd": 0.6, "low": -1.2, "high": 1.2},
        },
        "source": "design choice: hallux tip minus 2nd-toe tip along the axis, kept at "
        "least 1.5 mm away from the +-2 mm boundaries of docs/measurement_conventions.md.",
    },
    "instep_height": {
        "values": {"ratio_to_length": 0.236, "sd_mm": 4.5,
                   "arch_shift_mm": {"high": 3.0, "normal": 0.0, "flat": -3.0}},
        "source": "design choice [S]: dorsal height at 55 % FL about 0.236 FL (an arch "
        "height index near 0.34 of truncated foot length); arch height does not scale "
        "strongly with length (Hill 2017), hence an additive SD and arch-type shift.",
    },
    "hallux_angle_deg": {
        "values": {"mean": 11.0, "sd": 5.0, "low": 0.0, "high": 32.0},
        "source": "design choice [S]: most adults below the 15 deg radiographic threshold "
        "of DOMAIN.md, a tail of mild and moderate valgus; capped at 32 deg so the hallux "
        "stays beside the 2nd toe in the parametric model.",
    },
    "sex_frequencies": {
        "values": {"male": 0.5, "female": 0.5},
        "source": "design choice: both sexes equally (ANSUR II itself is 67 % male).",
    },
}


def _load(path: Path) -> np.ndarray:
    with path.open(encoding="latin-1", newline="") as fh:
        rows = list(csv.DictReader(fh))
    return np.array([[float(r[c]) for c in COLUMNS] for r in rows])


def derive(folder: Path) -> dict:
    """Return the population table derived from the ANSUR II CSV files in ``folder``."""
    groups = {}
    for sex, fname in (("male", "ANSUR_II_MALE_Public.csv"),
                       ("female", "ANSUR_II_FEMALE_Public.csv")):
        data = _load(folder / fname)
        groups[sex] = {
            "n": int(data.shape[0]),
            "mean": [round(float(v), 3) for v in data.mean(axis=0)],
            "sd": [round(float(v), 3) for v in data.std(axis=0, ddof=1)],
            "min": [round(float(v), 1) for v in data.min(axis=0)],
            "max": [round(float(v), 1) for v in data.max(axis=0)],
            "correlation": [[round(float(v), 4) for v in row]
                            for row in np.corrcoef(data, rowvar=False)],
        }
    return {
        "description": "Joint distribution of foot dimensions by sex for footfit.synth: "
        "multivariate normal with these means, SDs and correlations (mm), plus the "
        "design-choice frequencies footfit's synthetic population uses.",
        "source": "ANSUR II public data (Gordon CC et al. 2014, NATICK/TR-15/007), files "
        "ANSUR_II_MALE_Public.csv (4,082 men) and ANSUR_II_FEMALE_Public.csv (1,986 women); "
        "derived by tools/derive_population.py (sample SD, ddof=1; Pearson correlation).",
        "ansur_columns": list(COLUMNS),
        "variables": list(COLUMNS.values()),
        "groups": groups,
        "design": DESIGN,
    }


def main(argv: list[str]) -> int:
    """Write population_ansur2.json from the ANSUR II tables in argv[1] (or the default)."""
    folder = Path(argv[1]) if len(argv) > 1 else ROOT.parent / "shared" / "realscans" / "ansur2"
    table = derive(folder)
    OUT.write_text(json.dumps(table, indent=1) + "\n", encoding="utf-8")
    sys.stdout.write(f"wrote {OUT}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
