"""The visual report: SVG figures, the self-contained HTML page and the PNG summary."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import numpy as np
import pytest
from visual_fakes import LENGTH, arch_cut, half_width, make_points, make_report

from footfit.visual import (
    FootDrawing,
    foot_figures,
    render_html,
    render_png,
    write_html,
    write_png,
)

SVG_NS = "{http://www.w3.org/2000/svg}"


class _Collect(HTMLParser):
    """Collect tags, attributes and check that non-void elements are balanced."""

    VOID = {"meta", "br", "img", "input", "link", "hr", "col", "area", "base", "wbr",
            "source", "track", "embed", "param"}
    SVG_VOID_OK = True

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.errors: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"unexpected </{tag}> (open: {self.stack[-3:]})")
            return
        self.stack.pop()


def _parse(html: str) -> _Collect:
    p = _Collect()
    p.feed(html)
    p.close()
    return p


@pytest.fixture(scope="module")
def two_feet():
    return make_report(fit=True)


# ---------------------------------------------------------------------------- geometry
def test_left_foot_is_drawn_as_the_mirror_of_the_right():
    pts = make_points(20000)
    right = FootDrawing.from_points(pts, side="right")
    left = FootDrawing.from_points(pts, side="left")
    np.testing.assert_allclose(left.outline[:, 0], -right.outline[:, 0])
    np.testing.assert_allclose(left.outline[:, 1], right.outline[:, 1])
    # footprint runs mirror too: same area, x extents flipped
    assert left.footprint[:, 2].sum() == pytest.approx(right.footprint[:, 2].sum())
    assert left.footprint[:, 0].min() == pytest.approx(-(right.footprint[:, 0]
                                                         + right.footprint[:, 2]).max())
    # medial side (the arch cut-out) is on -x for a right foot, +x for a left one
    assert right.landmarks["mth1"][0] < 0 < left.landmarks["mth1"][0]


def test_footprint_zones_match_the_analytic_arch_index():
    pts = make_points(80000)
    d = FootDrawing.from_points(pts, side="right")
    # exact footprint area per third: integral of (2 w - arch cut) over y
    y = np.linspace(0.0, 0.8 * LENGTH, 20001)
    width = 2 * half_width(y) - arch_cut(y)
    edges = np.linspace(0.0, 0.8 * LENGTH, 4)
    areas = [np.trapezoid(width[(y >= a) & (y <= b)], y[(y >= a) & (y <= b)])
             for a, b in zip(edges[:-1], edges[1:], strict=True)]
    ai = areas[1] / sum(areas)
    assert d.zones is not None
    assert d.zones["drawn_index"] == pytest.approx(ai, abs=0.02)
    assert d.zones["edges"][-1] == pytest.approx(0.8 * LENGTH, abs=0.5)
    assert d.length_mm == pytest.approx(LENGTH, abs=1.0)


def test_outline_contains_the_foot_and_matches_its_width():
    pts = make_points(40000)
    d = FootDrawing.from_points(pts, side="right")
    ball = np.abs(d.outline[:, 1] - 0.70 * LENGTH) < 1.0
    width = d.outline[ball, 0].max() - d.outline[ball, 0].min()
    assert width == pytest.approx(2 * 50.0, abs=2.0)


def test_elements_of_missing_measurements_are_not_drawn():
    pts = make_points(20000)
    meas = {"foot_length_mm": LENGTH, "ball_width_mm": None, "heel_width_mm": 64.0,
            "arch_index": None, "ball_girth_mm": 250.0, "instep_girth_mm": None}
    d = FootDrawing.from_points(pts, side="right", measurements=meas,
                                missing={"arch_index": "no plantar surface in the scan"})
    assert d.ball_line is None and d.heel_line is not None
    assert d.zones is None
    assert set(d.sections) == {"ball_girth_mm"}
    top = foot_figures(d)["top-view"]
    assert "ball width" not in top and "heel width 64.0 mm" in top


def test_given_sections_are_used_as_the_tape():
    pts = make_points(20000)
    loop = np.array([[-40.0, 180.0, 0.0], [45.0, 170.0, 0.0], [40.0, 175.0, 45.0],
                     [-35.0, 182.0, 40.0]])
    d = FootDrawing.from_points(pts, side="left", sections={"ball_girth": loop})
    np.testing.assert_allclose(d.sections["ball_girth_mm"][:, 0], -loop[:, 0])


def test_bad_points_are_refused_with_the_argument_named():
    with pytest.raises(ValueError, match="`points` must have shape"):
        FootDrawing.from_points(np.zeros((100, 2)))
    with pytest.raises(ValueError, match="`side` must be"):
        FootDrawing.from_points(make_points(1000), side="up")


# ---------------------------------------------------------------------------- SVG
def test_svg_figures_are_valid_xml_and_contain_what_they_claim(two_feet):
    d = FootDrawing.from_foot_report(two_feet.feet[1])
    figs = foot_figures(d)
    assert list(figs) == ["top-view", "side-view", "girths", "clearance"]
    for name, svg in figs.items():
        root = ET.fromstring(svg)
        assert root.tag == SVG_NS + "svg"
        assert root.get("data-figure") == name and root.get("data-side") == "right"
        assert root.find(SVG_NS + "title").text
    top = ET.fromstring(figs["top-view"])
    assert top.findall(f".//{SVG_NS}path[@data-layer='footprint']")
    assert "ball width 101.0 mm" in figs["top-view"]
    assert "arch index 0.231" in figs["top-view"]
    side = ET.fromstring(figs["side-view"])
    girths = {e.get("data-girth") for e in side.iter() if e.get("data-girth")}
    assert {"ball_girth_mm", "instep_girth_mm", "short_heel_girth_mm"} <= girths
    assert "instep height 66.0 mm" in figs["side-view"]
    assert "ball girth 252.5 mm" in figs["girths"]
    dots = ET.fromstring(figs["clearance"]).findall(f".//{SVG_NS}g[@data-layer='clearance']")
    assert len(dots) == 2 and int(dots[0].get("data-cells")) > 500


def test_no_sole_no_footprint_and_it_says_so():
    rep = make_report(sides=("right",), plantar=False)
    figs = foot_figures(FootDrawing.from_foot_report(rep.feet[0]))
    assert "data-layer=\"footprint\"" not in figs["top-view"]
    assert "no sole in the scan" in figs["top-view"]
    assert "clearance" not in figs


# ---------------------------------------------------------------------------- HTML
def test_html_is_self_contained_and_parses(two_feet, tmp_path):
    path = write_html(two_feet, tmp_path / "report.html")
    html = path.read_text(encoding="utf-8")
    p = _parse(html)
    assert not p.errors, p.errors[:3]
    assert not p.stack
    # nothing is fetched: no external script, stylesheet or image
    for tag, attrs in p.tags:
        for key in ("src", "href"):
            v = attrs.get(key) or ""
            assert not v.startswith(("http:", "https:", "//")), (tag, v)
    ids = {a.get("id") for _, a in p.tags}
    assert {"summary", "warnings", "pictures", "measurements", "sizes", "insoles", "last",
            "fit", "view3d"} <= ids
    figures = [(a.get("data-figure"), a.get("data-side")) for t, a in p.tags if t == "svg"]
    for side in ("left", "right"):
        for name in ("top-view", "side-view", "girths", "clearance"):
            assert (name, side) in figures
    # footfit's own canvas viewer, one canvas per foot; no plotly (4.6 MB) any more
    assert html.count("<canvas") == 2 and "plotly" not in html.lower()
    assert 100_000 < len(html.encode()) < 2_000_000
    for text in ("EU 41.5", "Sport neutral, medium arch", "arch index 0.231 is normal",
                 "sport-F260-5", "toe box 3 mm tight at the hallux", "fit score"):
        assert text in html


def test_html_without_3d_and_from_json_only(two_feet):
    small = render_html(two_feet, include_3d=False)
    assert "<canvas" not in small and len(small) < 2_000_000
    data = json.loads(two_feet.to_json())
    text_only = render_html(data)
    assert not _parse(text_only).errors
    assert "no pictures" in text_only and "<svg" not in text_only
    assert "EU 41.5" in text_only


def test_one_foot_report_has_one_column():
    html = render_html(make_report(sides=("right",)), include_3d=False)
    assert "--nfeet:1" in html
    assert "data-side=\"left\"" not in html


def test_write_into_a_missing_folder_names_it(two_feet, tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        write_html(two_feet, tmp_path / "nope" / "r.html", include_3d=False)


# ---------------------------------------------------------------------------- PNG
def test_png_summary(two_feet, tmp_path):
    pytest.importorskip("matplotlib")
    path = write_png(two_feet, tmp_path / "summary.png")
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    # 900 px wide (legible at 600 px: no text under 11 pt), as tall as its content
    assert width == 900 and height > width
    # not blank: the image compresses to more than a flat page would
    assert len(data) > 50_000


def test_png_text_is_wrapped_never_cut():
    from footfit.visual.png import _display_width, _wrap

    text = ("right foot: the custom sport last presses at the toe box, ball, instep, waist and "
            "arch, heel (up to 3 mm); the factory adjusts it there. 左脚：定制运动鞋鞋楦在楦头、"
            "跖趾部位、跗背挤脚（最多 3 mm），工厂将在此处修楦。")
    lines = _wrap(text, 11.0, 4.0)
    assert len(lines) > 2
    assert all(_display_width(x) <= 4.0 * 72 / 11.0 for x in lines)
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")  # nothing dropped
    assert not any(x.endswith("…") for x in lines)


def test_png_in_chinese(two_feet):
    pytest.importorskip("matplotlib")
    from footfit.visual.png import _cjk_font

    if _cjk_font() is None:
        pytest.skip("no CJK font installed (Debian: fonts-wqy-zenhei or fonts-noto-cjk)")
    data = render_png(two_feet, lang="zh")
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 50_000


def test_measured_footprint_is_drawn_as_measured():
    from types import SimpleNamespace

    mask = np.zeros((100, 40), dtype=bool)
    mask[5:95, 10:30] = True
    mask[40:60, 10:20] = False  # an arch
    fp = SimpleNamespace(mask=mask, origin=np.array([-40.0, -2.0]), cell_mm=2.5,
                         zone_bounds_y=np.array([10.0, 70.0, 130.0, 190.0]),
                         zone_areas_mm2=np.array([1000.0, 500.0, 1500.0]))
    d = FootDrawing.from_points(make_points(20000), side="right", footprint=fp,
                                measurements={"foot_length_mm": LENGTH, "arch_index": 0.17})
    drawn = (d.footprint[:, 2] * d.footprint[:, 3]).sum() + (d.toe_prints[:, 2]
                                                              * d.toe_prints[:, 3]).sum()
    assert drawn == pytest.approx(mask.sum() * 2.5**2)
    assert d.footprint[:, 0].min() == pytest.approx(-40.0 + 10 * 2.5)
    np.testing.assert_allclose(d.zones["edges"], fp.zone_bounds_y)
    assert d.zones["arch_index"] == 0.17
    assert "C rear 10.0 cm²" in foot_figures(d)["top-view"]
    left = FootDrawing.from_points(make_points(20000), side="left", footprint=fp)
    assert left.footprint[:, 0].max() + left.footprint[0, 2] <= 40.0 - 10 * 2.5 + 1e-9


# ---------------------------------------------------------------------------- CLI
def _sample_scan():
    from pathlib import Path

    samples = Path(__file__).resolve().parent.parent / "sample_scans"
    for truth in sorted(samples.glob("*.truth.json")):
        stem = truth.name[: -len(".truth.json")]
        scans = [p for p in sorted(samples.glob(stem + ".*")) if not p.name.endswith(".json")]
        if scans and len(json.loads(truth.read_text())["feet"]) == 2:
            return scans[0]
    pytest.fail("no bundled two-feet sample scan")


def test_cli_process_writes_report_and_png(tmp_path):
    import subprocess
    import sys

    pytest.importorskip("matplotlib")
    scan = _sample_scan()
    html, png = tmp_path / "report.html", tmp_path / "summary.png"
    r = subprocess.run([sys.executable, "-m", "footfit", "process", str(scan), "--json",
                        "--report", str(html), "--png", str(png)],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)  # --json: stdout is exactly the report
    text = html.read_text(encoding="utf-8")
    p = _parse(text)
    assert not p.errors and not p.stack
    figures = {(a.get("data-figure"), a.get("data-side")) for t, a in p.tags if t == "svg"}
    for foot in data["feet"]:
        for name in ("top-view", "side-view", "girths"):
            assert (name, foot["side"]) in figures
        length = foot["measurements"]["foot_length_mm"]
        assert f"foot length {length:.1f} mm" in text
    assert "<canvas" in text  # the 3D view
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_cli_refuses_unwritable_outputs_before_processing(tmp_path, capsys):
    from footfit.cli import main

    missing = tmp_path / "no" / "r.html"
    assert main(["process", str(tmp_path / "whatever.ply"), "--report", str(missing)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("footfit: error: --report") and "does not exist" in err
    assert len(err.splitlines()) == 1


def test_written_files_follow_the_umask(two_feet, tmp_path):
    import os

    old = os.umask(0o022)
    try:
        path = write_html(two_feet, tmp_path / "r.html", include_3d=False)
    finally:
        os.umask(old)
    assert path.stat().st_mode & 0o777 == 0o644
    assert [p.name for p in tmp_path.iterdir()] == ["r.html"]  # no temp file left


def test_fit_section_with_stock_size_by_simulation(two_feet):
    from types import SimpleNamespace

    from footfit.visual import foot_drawings

    data = json.loads(two_feet.to_json())
    custom = {"last": "custom 260", "score": 71.5, "summary": ["toe box 3 mm tight"],
              "zones": [{"zone": "toe_box", "verdict": "tight", "min_clearance_mm": -3.0,
                         "median_clearance_mm": -1.0, "pressed_area_cm2": 2.0}]}
    stock = {"recommended": {"label": "sport-F265-4", "score": 88.0},
             "formula": {"label": "sport-F260-4", "score": 80.0}, "agrees": False,
             "explanation": "one size up: the toe box of 260 presses",
             "candidates": [{"label": "sport-F265-4", "score": 88.0, "summary": ["fits"]},
                            {"label": "sport-F260-4", "score": 80.0,
                             "summary": ["toe box 1 mm tight"]}]}
    for foot in data["feet"]:
        foot["fit"] = {"custom": custom, "stock_size": stock, "notes": ["heel 40 mm: flat"]}
    drawings, _ = foot_drawings(two_feet)
    html = render_html(data, drawings=drawings, include_3d=False)
    assert not _parse(html).errors
    assert html.count("Stock size by simulation") == 2
    assert "one size up: the toe box of 260 presses" in html and "heel 40 mm: flat" in html
    # the fit section as FootFit (custom result inside) or as a bare FitResult
    rep = make_report(sides=("right",), fit=True)
    d = FootDrawing.from_foot_report(rep.feet[0])
    assert d.clearance is not None and d.fit.score == 71.5
    bare = SimpleNamespace(**{k: getattr(rep.feet[0], k) for k in (
        "side", "measurements", "landmarks", "plantar_visible", "aligned", "measured")},
        fit=rep.feet[0].fit.custom)
    assert FootDrawing.from_foot_report(bare).fit.last_label == "custom 260"


# ---------------------------------------------------------------------------- typed results
@pytest.fixture(scope="module")
def measured_demo():
    from pathlib import Path

    from footfit.pipeline import FootFitter

    scan = Path(__file__).resolve().parent.parent / "sample_scans" / "demo_right_m.ply"
    return FootFitter().process(str(scan), simulate_fit=False).feet[0]


def test_a_measured_foot_is_drawn_as_measured_not_measured_again(measured_demo):
    """The typed MeasuredFoot decides every landmark, tape, line and the footprint."""
    import dataclasses

    foot = measured_demo
    measured = foot.measured
    d = FootDrawing.from_foot_report(foot)
    flip = np.array([-1.0, 1.0, 1.0]) if d.side == "left" else np.ones(3)
    for name, value in measured.landmarks.to_dict().items():
        if value is not None:
            np.testing.assert_allclose(d.landmarks[name], np.asarray(value) * flip)
    assert set(d.sections) == {k for k, v in measured.sections.items() if v is not None}
    m = measured.measurements
    if m.heel_width_mm is not None:
        assert np.ptp(d.heel_line[:, 0]) == pytest.approx(m.heel_width_mm)
    assert d.instep[1] == pytest.approx(m.instep_height_mm)
    # without sections and footprint the drawing has no tapes and no footprint: nothing is
    # cut again from the points
    bare = dataclasses.replace(measured, sections={}, footprint=None)
    d2 = FootDrawing.from_measured(foot.aligned, bare)
    assert d2.sections == {} and len(d2.footprint) == 0 and d2.zones is None
