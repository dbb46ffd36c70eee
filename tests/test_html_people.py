"""The HTML report as people read it: no code words, both languages, small, offline."""

import re
from html.parser import HTMLParser

import pytest

from footfit.pipeline import FootFitter
from footfit.visual import render_html

IDENT = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")
SCANS = ("demo_two_feet.ply", "demo_right_m.ply", "left_f_high.pcd",
         "left_f_normal_noplantar_in.ply", "left_m_flat_m.xyz", "right_f_flat_noplantar_cm.xyz",
         "right_f_normal_nofloor.pcd", "right_m_high.stl", "two_feet_f_high_cm.ply")


class _Visible(HTMLParser):
    """Text a reader sees: everything outside <script> and <style>."""

    def __init__(self):
        super().__init__()
        self.skip, self.parts = 0, []

    def handle_starttag(self, tag, attrs):
        self.skip += tag in ("script", "style")

    def handle_endtag(self, tag):
        self.skip -= tag in ("script", "style")

    def handle_data(self, data):
        if not self.skip:
            self.parts.append(data)


def visible_text(page: str) -> str:
    parser = _Visible()
    parser.feed(page)
    return " ".join(parser.parts)


@pytest.fixture(scope="module")
def fitter():
    return FootFitter()


@pytest.mark.parametrize("name", SCANS)
def test_no_identifiers_in_the_visible_text(fitter, samples, name):
    report = fitter.process(str(samples / name))
    for lang in ("en", "zh"):
        page = render_html(report, lang=lang)
        assert len(page.encode()) <= 2_000_000
        words = IDENT.findall(visible_text(page))
        assert [w for w in words if w != name.rsplit(".", 1)[0]] == [], (lang, words[:10])


def test_chinese_report_has_the_chinese_terms_and_the_same_size_line(fitter, samples):
    report = fitter.process(str(samples / "demo_two_feet.ply"), simulate_fit=False)
    zh = visible_text(render_html(report, lang="zh", customer="李伟"))
    en = visible_text(render_html(report, lang="en"))
    for term in ("脚长", "跖围", "跗围", "足弓", "鞋垫", "鞋楦", "型", "李伟"):
        assert term in zh
    s = report.to_dict()["sizes"]
    # the size line carries the width letters, in both languages
    assert f"US men {s['us_men']:g} {s['us_width']}" in en
    assert f"UK {s['uk']:g} {s['uk_width']}" in en
    assert f"{s['cn_width_type']}型" in zh and f"英码 {s['uk']:g} {s['uk_width']}" in zh
    nums = re.compile(r"\d+\.\d")
    summary_en = en.split("Details for the fitter")[0]
    summary_zh = zh.split("验配师与工厂详细数据")[0]
    assert sorted(nums.findall(summary_en)) == sorted(nums.findall(summary_zh))


def test_report_is_small_offline_and_has_its_3d_view_and_captions(fitter, samples):
    report = fitter.process(str(samples / "demo_right_m.ply"), simulate_fit=True)
    page = render_html(report, lang="en")
    assert len(page.encode()) < 2_000_000
    assert "<canvas" in page and 'id="ff-view3d"' in page
    assert not re.search(r"""(src|href)=["']https?:""", page)  # nothing fetched
    assert "plotly" not in page.lower()
    figures = re.findall(r"<figure\b.*?</figure>", page, flags=re.S)
    assert len(figures) >= 4
    assert all("<figcaption>" in f and "</figcaption>" in f for f in figures)
    assert page.index('id="summary"') < page.index('id="detail"') < page.index('id="view3d"')


@pytest.mark.realscans
def test_rescan_leads_the_report(fitter, realscans):
    report = fitter.process(str(realscans / "realsense-d435" / "foot_and_leg_m.ply"))
    page = render_html(report, lang="en")
    assert page.index('id="rescan"') < page.index('id="summary"')
    assert "Please scan again" in visible_text(page)
