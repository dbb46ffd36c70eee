"""The kiosk page: what ``GET /`` of ``footfit serve`` shows a fitter at the counter.

One small HTML page with no external resource: pick or drop a scan, choose the shoe style,
the fit, the language and the customer's name, press Measure; the page posts the scan to
``POST /v1/fit``, shows the customer summary (``GET /v1/fit/{id}/summary``) and the full
visual report (``GET /v1/fit/{id}/report.html``) below. Its words come from the vocabulary
(:mod:`footfit.words`), both languages embedded so the language switch needs no reload.
"""

from __future__ import annotations

import json
from html import escape
from typing import Any

from footfit.words import LANGUAGES, check_language, load_vocabulary, term, ui

__all__ = ["kiosk_page"]

_KEYS = ("kiosk_title", "kiosk_drop", "kiosk_customer", "kiosk_style", "kiosk_fit",
         "kiosk_lang", "kiosk_go", "kiosk_busy", "your_size", "insole_to_sell",
         "last_verdict", "rescan")

_CSS = """
*{box-sizing:border-box}body{margin:0;font-family:"Noto Sans CJK SC","WenQuanYi Zen Hei",
"Microsoft YaHei",Helvetica,Arial,sans-serif;background:#f6f6f4;color:#222}
header{background:#3d6fa8;color:#fff;padding:14px 24px}header h1{margin:0;font-size:24px}
main{max-width:1200px;margin:0 auto;padding:16px 24px}
form{display:grid;grid-template-columns:2fr 1fr 1fr 1fr 1.4fr auto;gap:12px;align-items:end}
label{font-size:13px;color:#555;display:flex;flex-direction:column;gap:4px}
select,input[type=text],button{font-size:16px;padding:8px;border:1px solid #bbb;
border-radius:6px;background:#fff}button{background:#3d6fa8;color:#fff;border:0;
padding:10px 22px;cursor:pointer}button:disabled{opacity:.5}
#drop{border:2px dashed #3d6fa8;border-radius:8px;padding:14px;text-align:center;
background:#fff;cursor:pointer;min-height:62px}#drop.over{background:#e8f0fa}
#drop input{position:absolute;opacity:0;width:1px;height:1px}
#file{font-weight:bold;display:block;margin-top:4px}
#status{margin:12px 0;font-size:15px;min-height:20px}#status.error{color:#b3261e}
#summary{display:none;background:#fff;border:1px solid #ddd;border-radius:8px;padding:12px 16px}
#summary .size{font-size:22px;font-weight:bold;color:#3d6fa8}#summary .rescan{color:#b3261e;
font-weight:bold}iframe{width:100%;height:1400px;border:1px solid #ddd;border-radius:8px;
background:#fff;margin-top:12px;display:none}
@media (max-width:800px){form{grid-template-columns:1fr 1fr}}
"""

def _script() -> str:
    """Return the page's script (``footfit/data/kiosk.js``, package data)."""
    from importlib.resources import files

    return (files("footfit") / "data" / "kiosk.js").read_text(encoding="utf-8")



def kiosk_page(*, lang: str | None = None, styles: tuple[str, ...] | None = None) -> str:
    """Return the kiosk page (HTML, self-contained).

    Parameters
    ----------
    lang : {'en', 'zh'} or None, default=None
        Language the page opens in (``None``: the locale's); the page can switch.
    styles : tuple of str, optional
        Shoe styles offered (default: every style of the last library).

    Returns
    -------
    str
    """
    lang = check_language(lang)
    if styles is None:
        from footfit.last import available_styles

        styles = tuple(available_styles())
    fits = tuple(load_vocabulary()["fits"])
    words = {lg: {k: ui(k, lg) for k in _KEYS} for lg in LANGUAGES}
    style_words = {lg: {s: term("styles", s, lg) for s in styles} for lg in LANGUAGES}
    fit_words = {lg: {f: term("fits", f, lg) for f in fits} for lg in LANGUAGES}

    def opts(values: tuple[str, ...], names: dict[str, str], default: str) -> str:
        return "".join(f'<option value="{escape(v)}"{" selected" if v == default else ""}>'
                       f"{escape(names[v])}</option>" for v in values)

    lang_names = {"en": "English", "zh": "中文"}
    data: dict[str, Any] = {"WORDS": words, "STYLES": style_words, "FITS": fit_words}
    script = "".join(f"var {k}={json.dumps(v, ensure_ascii=False)};" for k, v in data.items())
    w = words[lang]
    return f"""<!DOCTYPE html>
<html lang="{'zh-CN' if lang == 'zh' else 'en'}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>footfit</title><style>{_CSS}</style></head>
<body><header><h1 data-w="kiosk_title">{escape(w['kiosk_title'])}</h1></header><main>
<form id="form">
<div id="drop"><span data-w="kiosk_drop">{escape(w['kiosk_drop'])}</span>
<span id="file"></span><input type="file" id="scan" name="scan"
accept=".ply,.pcd,.xyz,.asc,.txt,.csv,.obj,.stl,.off,.npy,.npz"></div>
<label><span data-w="kiosk_style">{escape(w['kiosk_style'])}</span><select id="style">
{opts(styles, style_words[lang], 'sport' if 'sport' in styles else styles[0])}</select></label>
<label><span data-w="kiosk_fit">{escape(w['kiosk_fit'])}</span><select id="fit">
{opts(fits, fit_words[lang], 'standard')}</select></label>
<label><span data-w="kiosk_lang">{escape(w['kiosk_lang'])}</span><select id="lang">
{opts(LANGUAGES, lang_names, lang)}</select></label>
<label><span data-w="kiosk_customer">{escape(w['kiosk_customer'])}</span>
<input type="text" id="customer" maxlength="80" autocomplete="off"></label>
<button id="go" type="submit" disabled data-w="kiosk_go">{escape(w['kiosk_go'])}</button>
</form>
<div id="status" role="status"></div>
<section id="summary"></section>
<iframe id="report" title="report"></iframe>
</main><script>{script}{_script()}</script></body></html>
"""
