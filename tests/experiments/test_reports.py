"""The report framework: registry, command line, table, JSON, PNGs and the HTML page, and the
page opened in a real headless browser."""

import json

import numpy as np
import pytest

from ember import experiments
from ember.cli import build_parser, main
from ember.experiments.report import Report

from .conftest import assert_picture, body_attributes, check_report, parse_page, render


def test_the_experiment_subcommand_parses_its_options():
    args = build_parser().parse_args(["experiment", "activations", "--quick", "--epochs", "3",
                                      "--seed", "7", "--dataset", "digits", "--output", "o"])
    assert (args.name, args.quick, args.epochs, args.seed, args.dataset, args.output) == (
        "activations", True, 3, 7, "digits", "o")
    with pytest.raises(SystemExit):
        build_parser().parse_args(["experiment", "no-such-recipe"])
    with pytest.raises(SystemExit):
        build_parser().parse_args(["experiment", "optimizers", "--epochs", "0"])


def test_unknown_dataset_is_a_clear_error(capsys, tmp_path):
    pytest.importorskip("matplotlib")
    code = main(["experiment", "optimizers", "--quick", "--dataset", "imagenet",
                 "--output", str(tmp_path / "r")])
    assert code == 2
    assert "--dataset must be 'digits'; received 'imagenet'" in capsys.readouterr().err
    with pytest.raises(ValueError, match="unknown recipe 'nope'; available: activations"):
        experiments.run("nope")


def _tiny_report():
    from ember import plot

    r = Report("tiny", "Tiny <report>", "escaping & such", {"quick": True})
    r.set_summary(["name", "value", "count"], [["a", 0.5, 3], ["b", 1.5e-7, 12345]])
    r.add_note("a stand-in dataset")
    fig = plot.new_figure(4, 3)
    ax = fig.add_subplot(1, 1, 1)
    ax.plot(np.arange(10), np.arange(10) ** 2)
    name = r.add_figure("curve", fig, "a curve")
    r.add_section("First", "text", table=(["k", "v"], [["x", 1.0]]), figures=[name])
    r.add_section("Second", "more text")
    return r


def test_report_folder_json_html_and_table(tmp_path):
    pytest.importorskip("matplotlib")
    r = _tiny_report()
    folder = r.write(tmp_path / "tiny")
    results = check_report(folder, r.format_summary(rich=False))
    assert results["figures"] == {"curve.png": {"caption": "a curve", "axes": 1}}
    assert results["summary"]["rows"] == [["a", 0.5, 3], ["b", 1.5e-7, 12345]]
    text = (folder / "index.html").read_text()
    assert "Tiny &lt;report&gt;" in text and "escaping &amp; such" in text
    assert "a stand-in dataset" in text
    plain = r.format_summary(rich=False)
    assert "| b    | 1.50e-07 | 12,345 |" in plain
    with pytest.raises(ValueError, match="unknown figures"):
        r.add_section("Third", figures=["missing.png"])
    with pytest.raises(ValueError, match="needs 3 cells"):
        r.set_summary(["a", "b", "c"], [[1, 2]])


@pytest.mark.slow
def test_the_page_in_a_headless_browser(tmp_path):
    pytest.importorskip("matplotlib")
    r = _tiny_report()
    folder = r.write(tmp_path / "tiny")
    dom, shot = render(folder / "index.html", tmp_path)
    body = body_attributes(dom)
    assert body == {"data-images": "1", "data-broken-images": "0"}
    page = parse_page(dom)
    assert page.sections == ["summary", "section-1", "section-2"]
    assert page.headings == ["Summary", "First", "Second"]
    image = assert_picture(shot, min_size=(1200, 1600))
    # the embedded plot was drawn: a band of the screenshot holds the curve's blue
    rgb = (image[..., :3] * 255).astype(int)
    blue = (np.abs(rgb - [31, 119, 180]).sum(axis=-1) < 40).sum()
    assert blue > 100

    # ... and the check can fail: a corrupt image is reported broken
    broken = (folder / "index.html").read_text().replace("base64,iVBOR", "base64,AAAA", 1)
    (folder / "broken.html").write_text(broken)
    dom, _ = render(folder / "broken.html", tmp_path)
    assert body_attributes(dom)["data-broken-images"] == "1"


def test_results_json_is_valid_json_without_nan(tmp_path):
    r = Report("t", "T")
    r.results["x"] = float("nan")
    r.results["arr"] = np.arange(3, dtype=np.int64)
    r.set_summary(["a"], [[np.float32(0.25)]])
    folder = r.write(tmp_path / "t")
    data = json.loads((folder / "results.json").read_text())
    assert data["results"] == {"x": "nan", "arr": [0, 1, 2]}
    assert data["summary"]["rows"] == [[0.25]]


def test_the_claim_and_its_verdict_come_first(tmp_path, capsys):
    r = Report("claims", "Claims", "the description")
    r.add_claim("Adam beats plain SGD.", True, "loss 0.4 < 0.9")
    r.add_claim("Tanh never saturates.", False, "ratio 1e-3")
    r.set_summary(["a"], [[1.0]])
    with pytest.raises(ValueError, match="`confirmed` must be True or False"):
        r.add_claim("x", 1, "y")
    folder = r.write(tmp_path / "claims")
    data = json.loads((folder / "results.json").read_text())
    assert data["claims"] == [
        {"claim": "Adam beats plain SGD.", "confirmed": True, "evidence": "loss 0.4 < 0.9"},
        {"claim": "Tanh never saturates.", "confirmed": False, "evidence": "ratio 1e-3"}]
    text = (folder / "index.html").read_text()
    first, second = text.index("Adam beats plain SGD."), text.index("Tanh never saturates.")
    assert first < second < text.index("the description") < text.index('id="summary"')
    assert 'class="claim confirmed"' in text and 'class="claim not-confirmed"' in text
    assert "This run: not confirmed.</b> ratio 1e-3" in text
    lines = r.format_claims().splitlines()
    assert lines == ["claim: Adam beats plain SGD.", "  this run: confirmed (loss 0.4 < 0.9)",
                     "claim: Tanh never saturates.", "  this run: NOT confirmed (ratio 1e-3)"]
