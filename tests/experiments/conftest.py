"""Helpers for the report tests: run a recipe through the `ember` command, read its folder,
check its PNGs as images, and open its page in a real headless browser (Debian's chromium)."""

import base64
import html
import html.parser
import io
import json
import re
import shutil
import subprocess

import numpy as np
import pytest


def read_png(data):
    import matplotlib.image

    return matplotlib.image.imread(io.BytesIO(data), format="png")


def assert_picture(data, min_size=(100, 100)):
    """At least `min_size` (width, height) pixels, and not blank."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    image = read_png(data)
    h, w = image.shape[:2]
    assert w >= min_size[0] and h >= min_size[1], f"picture is only {w}x{h}"
    rgb = image[..., :3]
    background = np.median(rgb.reshape(-1, 3), axis=0)
    drawn = np.abs(rgb - background).max(axis=-1) > 0.05
    assert drawn.mean() > 0.01, f"picture is blank: {drawn.mean():.4f} of its pixels drawn"
    assert len(np.unique((rgb.reshape(-1, 3) * 255).astype(np.uint8), axis=0)) > 8
    return image


class _Page(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.sections, self.images, self.headings, self._in_h2 = [], [], [], False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "section":
            self.sections.append(attrs.get("id"))
        elif tag == "img":
            self.images.append(attrs.get("src", ""))
        elif tag == "h2":
            self._in_h2 = True

    def handle_endtag(self, tag):
        if tag == "h2":
            self._in_h2 = False

    def handle_data(self, data):
        if self._in_h2:
            self.headings.append(data)


def parse_page(text):
    page = _Page()
    page.feed(text)
    return page


def check_report(folder, stdout=None):
    """The folder's results.json, PNGs and index.html agree with each other and with the
    printed table; returns the results."""
    results = json.loads((folder / "results.json").read_text())
    figures = results["figures"]
    assert figures, "a report without figures"
    for name in figures:
        assert_picture((folder / name).read_bytes())
    page = parse_page((folder / "index.html").read_text())
    assert page.sections == ["summary"] + [f"section-{i + 1}"
                                           for i in range(len(results["sections"]))]
    assert page.headings == ["Summary"] + [s["title"] for s in results["sections"]]
    assert all(src.startswith("data:image/png;base64,") for src in page.images)
    shown = [f for s in results["sections"] for f in s["figures"]]
    assert sorted(shown) == sorted(figures)  # every figure is on the page, once
    embedded = [base64.b64decode(src.split(",", 1)[1]) for src in page.images]
    assert embedded == [(folder / f).read_bytes() for f in shown]
    text = (folder / "index.html").read_text()
    for claim in results.get("claims", []):  # the lesson is on the page, and printed
        assert html.escape(claim["claim"]) in text
        assert isinstance(claim["confirmed"], bool) and claim["evidence"]
        if stdout is not None:
            assert claim["claim"] in stdout
    if results["recipe"] != "tiny":
        assert results["claims"], "every recipe states the notes' claim it tests"
        # the claims come first on the page, before the description and the summary
        assert text.index('class="claim') < text.index('<section id="summary">')
    if stdout is not None:  # the printed table is the JSON's numbers
        from ember.experiments.report import _cell

        for row in results["summary"]["rows"]:
            for value in row:
                assert _cell(value) in stdout, f"{value!r} not printed"
    return results


@pytest.fixture
def recipe(tmp_path, capsys):
    """`recipe(name, *args)` runs `ember experiment name --quick *args` into a temporary
    folder and returns (results, folder, stdout) after `check_report`."""
    pytest.importorskip("matplotlib", reason="the plot extra: pip install 'ember[plot]'")
    from ember.cli import main

    def go(name, *args):
        folder = tmp_path / name
        code = main(["experiment", name, "--quick", "--output", str(folder), *args])
        out = capsys.readouterr().out
        assert code == 0
        assert f"report written to {folder / 'index.html'}" in out
        return check_report(folder, out), folder, out

    return go


def chromium():
    return shutil.which("chromium") or shutil.which("chromium-browser")


def render(page, tmp_path, size=(1200, 1600)):
    """(DOM after load, screenshot PNG bytes) of a local page in headless chromium."""
    exe = chromium()
    if exe is None:
        pytest.skip("chromium is not installed (apt-get install chromium; .ci/run installs it)")
    common = [exe, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
              "--no-first-run", f"--user-data-dir={tmp_path / 'chromium-profile'}",
              ]
    url = page.resolve().as_uri()
    dom = subprocess.run([*common, "--dump-dom", url], capture_output=True, text=True,
                         timeout=120, check=True).stdout
    shot = tmp_path / "screenshot.png"
    subprocess.run([*common, f"--screenshot={shot}", f"--window-size={size[0]},{size[1]}",
                    url], capture_output=True, timeout=120, check=True)
    return dom, shot.read_bytes()


def body_attributes(dom):
    match = re.search(r"<body([^>]*)>", dom)
    assert match, "no <body> in the rendered page"
    return dict(re.findall(r'([\w-]+)="([^"]*)"', match.group(1)))


def assert_confirmed(results):
    """Every claim of the report is confirmed by the run's numbers."""
    failed = [c for c in results["claims"] if not c["confirmed"]]
    assert not failed, "not confirmed: " + "; ".join(f"{c['claim']} ({c['evidence']})"
                                                      for c in failed)
