"""Evaluate the insole matcher on a synthetic ANSUR II-calibrated population.

Usage::

    .venv/bin/python benchmarks/evaluate_insoles.py --n 10000 --seed 0 \
        [--k 3] [--repeat 7] [--out bench_results/insoles.json]

For every shoe style, the top-1 insole of each foot is checked against the foot:

- length: the device's range ``[length_min_mm, length_max_mm)`` holds the foot length;
- arch: the device's support class is made for the foot's arch class (Cavanagh & Rodgers
  cut-offs of ``footfit/data/foot_classes.json`` through :func:`footfit.classify_arch_index`);
- width: the device's width fitting equals the foot's width class
  (:func:`footfit.classify.classify_width`, ANSUR II pooled, as a kiosk that does not know
  the sex would classify);

plus the distribution of fit scores, the SKUs never chosen (catalogue gaps or duplicates of
a preferred use), the SKUs chosen by more than ``--too-often`` % of feet (stock hot spots),
the feet poorly served (top-1 fit score below ``--poor-score``) and why, the share of feet
told that no pre-made insole fits well (best score below ``no_fit.score`` of
``footfit/data/insole_weights.json``) and the class agreement by score band (how that threshold
was chosen), the posting share, a missing-arch-index run, a length-only run, and timings
(medians of ``--repeat`` runs: wall time by ``time.perf_counter`` and CPU time by
``time.process_time``, with the load average, since the machine may be shared): ``fit``,
one ``match`` after ``fit``, ``match_many`` on the whole population. Targets (issue 5):
length 100 %, arch >= 95 %, width >= 90 %, one query < 1 ms, 10,000 queries < 100 ms.

The population comes from :func:`footfit.synth.sample_population_arrays` (ANSUR II joint
normal by sex, arch index drawn inside each arch class, hallux angle proxy). No FPI-6 and no
forefoot-overload evidence are given, so posting follows the FPI-like arch proxy and no
device with a metatarsal pad is chosen.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np

from footfit.classify import classify_arch_index, classify_width
from footfit.insoles import STYLES, InsoleMatcher, load_insole_design

ROOT = Path(__file__).resolve().parent.parent


def _population(n: int, seed: int) -> dict[str, np.ndarray]:
    try:
        from footfit.synth import sample_population_arrays
    except ImportError as exc:  # the synthetic population stage is absent
        msg = f"evaluate_insoles needs footfit.synth.sample_population_arrays: {exc}"
        raise SystemExit(msg) from exc
    return sample_population_arrays(n, rng=seed)


def _median_time(fn, repeat: int) -> tuple[float, float]:
    """Median wall time (perf_counter) and median CPU time (process_time) of ``fn()``."""
    wall, cpu = [], []
    for _ in range(repeat):
        t, c = time.perf_counter(), time.process_time()
        fn()
        wall.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
    return float(np.median(wall)), float(np.median(cpu))


def _pct(x: np.ndarray) -> float:
    return round(100.0 * float(np.mean(x)), 2) if x.size else float("nan")


def evaluate(n: int, seed: int, k: int, repeat: int, *, too_often_pct: float = 5.0,
             poor_score: float = 25.0) -> dict:
    """Run the evaluation and return the results as a JSON-ready dict."""
    feet = _population(n, seed)
    table = {
        "foot_length_mm": feet["foot_length_mm"],
        "ball_width_mm": feet["ball_width_mm"],
        "heel_width_mm": feet["heel_width_mm"],
        "arch_index": feet["arch_index"],
        "hallux_valgus_angle_deg": feet["hallux_angle_deg"],
    }
    fl = table["foot_length_mm"]
    foot_arch = np.array([classify_arch_index(float(a)) for a in table["arch_index"]])
    foot_width = np.array([classify_width(float(a), float(b))[0]
                           for a, b in zip(fl, table["ball_width_mm"], strict=True)])

    fit_time = _median_time(lambda: InsoleMatcher(k).fit(), repeat)
    matcher = InsoleMatcher(k).fit()
    cat = matcher.catalog_
    design = load_insole_design()
    made_for = np.array([design["weights"]["arch_support_targets"][a]["foot_arch_type"]
                         for a in cat.column("arch_support")])
    fitting = np.asarray(cat.column("width_fitting"))
    lo, hi = cat.column("length_min_mm"), cat.column("length_max_mm")
    skus = np.asarray(cat.column("sku"))

    res: dict = {"n": n, "seed": seed, "k": k, "catalogue": cat.path, "n_skus": len(cat),
                 "population": "footfit.synth.sample_population_arrays (ANSUR II by sex, "
                               "50/50; arch classes 20/60/20 %)",
                 "foot_classes": {
                     "arch": {a: int((foot_arch == a).sum()) for a in ("high", "normal", "flat")},
                     "width": {w: int((foot_width == w).sum())
                               for w in ("narrow", "normal", "wide")}},
                 "styles": {}}
    chosen_all: Counter = Counter()
    for style in STYLES:
        batch = matcher.match_many(table, k, style=style)
        top = batch.indices[:, 0]
        ok = top >= 0
        t = top[ok]
        length_ok = (lo[t] <= fl[ok]) & (fl[ok] < hi[t])
        arch_ok = made_for[t] == foot_arch[ok]
        width_ok = fitting[t] == foot_width[ok]
        scores = batch.fit_scores[ok, 0]
        counts = Counter(skus[t].tolist())
        chosen_all.update(counts)
        allowed = set(design["style_uses"][style])
        offered = [s for s, u in zip(skus, cat.column("use"), strict=True) if u in allowed]
        never = sorted(set(offered) - set(counts))
        share = {s: c / ok.sum() for s, c in counts.most_common(5)}
        too_often = {s: round(100 * c / ok.sum(), 2) for s, c in counts.most_common()
                     if c / ok.sum() > too_often_pct / 100}
        poor = scores < poor_score
        both_ok = arch_ok & width_ok
        bands = np.arange(0, 101, 10)
        band_of = np.clip(np.digitize(scores, bands) - 1, 0, len(bands) - 2)
        by_band = {f"{bands[b]}-{bands[b + 1]}": {
            "feet": int((band_of == b).sum()),
            "arch_and_width_agree_pct": _pct(both_ok[band_of == b])}
            for b in range(len(bands) - 1)}
        post = np.asarray(cat.column("rearfoot_post"))[t]
        pad = np.asarray(cat.column("metatarsal_pad"))[t]
        cushion = np.asarray(cat.column("cushion"))[t]
        zw = np.array([classify_width(float(a), float(b))[1]
                       for a, b in zip(fl[ok][poor], table["ball_width_mm"][ok][poor],
                                       strict=True)])
        res["styles"][style] = {
            "uses": sorted(allowed),
            "matched_pct": _pct(ok),
            "top1_length_pct": _pct(length_ok),
            "top1_arch_agree_pct": _pct(arch_ok),
            "top1_width_agree_pct": _pct(width_ok),
            "width_agree_by_class_pct": {w: _pct(width_ok[foot_width[ok] == w])
                                         for w in ("narrow", "normal", "wide")},
            "fit_score": {"mean": round(float(scores.mean()), 1),
                          **{f"p{q}": round(float(np.percentile(scores, q)), 1)
                             for q in (5, 25, 50, 75, 95)}},
            "fit_score_histogram": np.histogram(scores, bins=10, range=(0, 100))[0].tolist(),
            "no_pre_made_fits_well_pct": _pct(~batch.fits_well[ok]),
            "no_fit_score": batch.no_fit_score,
            "agreement_by_score_band": by_band,
            "medial_post_pct": _pct(post == "medial"),
            "medial_post_pct_by_arch": {a: _pct(post[foot_arch[ok] == a] == "medial")
                                        for a in ("high", "normal", "flat")},
            "lateral_post_pct": _pct(post == "lateral"),
            "metatarsal_pad_pct": _pct(pad != "none"),
            "cushioned_pct_of_high_arches": _pct(cushion[foot_arch[ok] == "high"]
                                                 == "full_length"),
            "skus_offered": len(offered),
            "skus_chosen": len(counts),
            "skus_never_chosen": len(never),
            "most_chosen": {s: round(100 * v, 2) for s, v in share.items()},
            f"chosen_by_more_than_{too_often_pct:g}pct": too_often,
            f"poorly_served_pct_score_below_{poor_score:g}": _pct(poor),
            "poorly_served_breakdown_pct": {
                "arch_mismatch": _pct(~arch_ok[poor]),
                "width_mismatch": _pct(~width_ok[poor]),
                "ball_width_beyond_2sd": _pct(np.abs(zw) > 2) if zw.size else 0.0,
                "arch_index_beyond_device_targets": _pct(
                    (table["arch_index"][ok][poor] < 0.165)
                    | (table["arch_index"][ok][poor] > 0.29)),
                "hallux_angle_above_20deg_no_bearing_on_the_match": _pct(
                    table["hallux_valgus_angle_deg"][ok][poor] > 20),
            },
        }
        if style == "sport":
            res["sport_never_chosen"] = never
    never_any = sorted(set(skus) - set(chosen_all))
    res["never_chosen_any_style"] = never_any

    # the same population with no plantar surface (arch index not measurable)
    no_arch = dict(table, arch_index=np.full(n, np.nan))
    batch = matcher.match_many(no_arch, k, style="sport")
    t = batch.indices[:, 0]
    res["sport_without_arch_index"] = {
        "top1_length_pct": _pct((lo[t] <= fl) & (fl < hi[t])),
        "top1_width_agree_pct": _pct(fitting[t] == foot_width),
        "support_chosen_pct": {a: _pct(cat.column("arch_support")[t] == a)
                               for a in ("low", "medium", "high")},
        "dropped": list(np.asarray(batch.feature_names)[batch.dropped[0]]),
        "no_pre_made_fits_well_pct": _pct(~batch.fits_well),
        "fit_score_p50": round(float(np.median(batch.fit_scores[:, 0])), 1),
    }
    # foot length only (``footfit insoles 265``): scores must say how little is known
    only = {"foot_length_mm": fl}
    batch = matcher.match_many(only, k, style="sport")
    res["sport_length_only"] = {
        "fit_score_max": round(float(np.nanmax(batch.fit_scores[:, 0])), 1),
        "fit_score_p50": round(float(np.median(batch.fit_scores[:, 0])), 1),
        "confidence": round(float(batch.confidence[0]), 3),
        "no_pre_made_fits_well_pct": _pct(~batch.fits_well),
        "support_chosen_pct": {a: _pct(cat.column("arch_support")[batch.indices[:, 0]] == a)
                               for a in ("low", "medium", "high")},
    }

    one = {name: float(col[0]) for name, col in table.items()}
    singles = [{name: float(col[i]) for name, col in table.items()} for i in range(200)]
    matcher.match(one)
    per_query = np.array([_median_time(lambda q=q: matcher.match(q), 1) for q in singles])
    many = _median_time(lambda: matcher.match_many(table, k, style="sport"), repeat)
    res["timing_ms"] = {
        "fit_median": round(1e3 * fit_time[0], 2),
        "fit_cpu_median": round(1e3 * fit_time[1], 2),
        "match_one_median": round(1e3 * float(np.median(per_query[:, 0])), 3),
        "match_one_cpu_median": round(1e3 * float(np.median(per_query[:, 1])), 3),
        "match_many_median": round(1e3 * many[0], 2),
        "match_many_cpu_median": round(1e3 * many[1], 2),
        "match_many_per_foot_us": round(1e6 * many[0] / n, 2),
        "repeat": repeat,
        "load_average_1min": round(os.getloadavg()[0], 2),
        "cpus": os.cpu_count(),
    }
    return res


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=10000, help="feet in the population")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--k", type=int, default=3)
    ap.add_argument("--repeat", type=int, default=7, help="timing repeats (median)")
    ap.add_argument("--too-often", type=float, default=5.0,
                    help="flag SKUs chosen by more than this %% of feet")
    ap.add_argument("--poor-score", type=float, default=25.0,
                    help="top-1 fit score below which a foot counts as poorly served")
    ap.add_argument("--out", type=Path, default=ROOT / "bench_results" / "insoles.json")
    args = ap.parse_args(argv)
    if args.n < 1 or args.k < 1 or args.repeat < 1:
        ap.error("--n, --k and --repeat must be >= 1")
    res = evaluate(args.n, args.seed, args.k, args.repeat, too_often_pct=args.too_often,
                   poor_score=args.poor_score)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(res, indent=2) + "\n", encoding="utf-8")
    print(f"{res['n']} feet, seed {res['seed']}, {res['n_skus']} SKUs ({res['catalogue']})")
    print(f"{'style':14} {'len%':>6} {'arch%':>6} {'width%':>7} {'score p5/p50/p95':>18} "
          f"{'no-fit%':>8} {'post%':>6} {'chosen/offered':>15}")
    for style, r in res["styles"].items():
        f = r["fit_score"]
        print(f"{style:14} {r['top1_length_pct']:6.1f} {r['top1_arch_agree_pct']:6.1f} "
              f"{r['top1_width_agree_pct']:7.1f} {f['p5']:6.1f}/{f['p50']:5.1f}/{f['p95']:5.1f} "
              f"{r['no_pre_made_fits_well_pct']:8.2f} {r['medial_post_pct']:6.1f} "
              f"{r['skus_chosen']:7d}/{r['skus_offered']:<7d}")
    print("sport, arch and width agreement by score band: "
          + ", ".join(f"{b} {v['arch_and_width_agree_pct']}% (n={v['feet']})"
                      for b, v in res["styles"]["sport"]["agreement_by_score_band"].items()))
    print(f"never chosen under any style: {len(res['never_chosen_any_style'])} SKUs "
          f"{res['never_chosen_any_style'][:12]}")
    print(f"sport without arch index: {res['sport_without_arch_index']}")
    print(f"sport, foot length only: {res['sport_length_only']}")
    print(f"timing (ms, medians): {res['timing_ms']}")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
