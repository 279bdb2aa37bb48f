"""A recipe's report: a summary table, sections of text, tables and figures, and the numbers
behind them, written as a folder: `results.json`, one PNG per figure, and `index.html`, a
single self-contained page (CSS inline, images embedded as base64 data URIs) that opens in
any browser without a network.
"""

import base64
import html
import json
import math
from pathlib import Path

from ember.saving.atomic import atomic_write_bytes


def _cell(value):
    """How a number appears in the tables (and so in the printed summary).

    >>> _cell(0.123456), _cell(12345), _cell(1.5e-7), _cell("sgd"), _cell(None)
    ('0.1235', '12,345', '1.50e-07', 'sgd', '-')
    """
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if not math.isfinite(value):
            return str(value)
        if value != 0 and (abs(value) < 1e-3 or abs(value) >= 1e5):
            return f"{value:.2e}"
        return f"{value:.4f}"
    return str(value)


def _json_safe(value):
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    if hasattr(value, "tolist"):  # NumPy scalars and arrays
        return _json_safe(value.tolist())
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    return value


class Report:
    """What a recipe shows: build it with `add_*`, then `write(folder)`.

    Args:
        recipe: the recipe's name.
        title: the page title.
        description: a paragraph under the title (what is compared and why).
        options: the options it ran with (a dict, recorded in results.json).

    >>> r = Report("demo", "Demo", "A demonstration.", {"quick": True})
    >>> r.set_summary(["model", "accuracy"], [["mlp", 0.91234]])
    >>> print(r.format_summary(rich=False))
    Demo
    +-------+----------+
    | model | accuracy |
    +-------+----------+
    | mlp   |   0.9123 |
    +-------+----------+
    """

    def __init__(self, recipe, title, description="", options=None):
        self.recipe = recipe
        self.title = title
        self.description = description
        self.options = dict(options or {})
        self.summary_columns, self.summary_rows = [], []
        self.sections = []
        self.figures = {}  # file name -> (PNG bytes, caption)
        self.figure_panels = {}  # file name -> number of matplotlib axes (None for raw PNG)
        self.results = {}
        self.notes = []
        self.claims = []  # {"claim", "confirmed", "evidence"}

    # ---------------------------------------------------------------- building
    def set_summary(self, columns, rows):
        """The main table: printed by the command and shown first on the page."""
        rows = [list(r) for r in rows]
        if any(len(r) != len(columns) for r in rows):
            raise ValueError(f"Report.set_summary: every row needs {len(columns)} cells")
        self.summary_columns, self.summary_rows = list(columns), rows

    def add_claim(self, claim, confirmed, evidence):
        """The notes' claim this report tests, in one sentence, and whether this run confirms
        it (`confirmed`: True or False, from the run's numbers) with the numbers
        (`evidence`). Shown first on the page, printed first by the command, and recorded in
        results.json under "claims".

        >>> r = Report("demo", "Demo")
        >>> r.add_claim("A CNN beats an MLP on images.", True, "CNN 0.97 > MLP 0.93")
        >>> print(r.format_claims())
        claim: A CNN beats an MLP on images.
          this run: confirmed (CNN 0.97 > MLP 0.93)
        """
        if not isinstance(confirmed, bool):
            raise ValueError(f"Report.add_claim: `confirmed` must be True or False; received "
                             f"{confirmed!r}")
        self.claims.append({"claim": str(claim), "confirmed": confirmed,
                            "evidence": str(evidence)})

    def format_claims(self):
        """The claims and their verdicts as text lines (what the command prints first)."""
        return "\n".join(f"claim: {c['claim']}\n  this run: "
                         f"{'confirmed' if c['confirmed'] else 'NOT confirmed'} "
                         f"({c['evidence']})" for c in self.claims)

    def add_note(self, text):
        """A remark shown in a box at the top (a stand-in dataset, a skipped part, ...)."""
        self.notes.append(str(text))

    def add_figure(self, name, figure, caption=""):
        """Render a matplotlib figure (or take PNG bytes) as `name`.png; returns the file
        name."""
        from ember.plot import figure_to_png  # noqa: PLC0415  (optional extra)

        file = name if name.endswith(".png") else name + ".png"
        if file in self.figures:
            raise ValueError(f"Report.add_figure: a figure named {file!r} already exists")
        png = figure if isinstance(figure, bytes) else figure_to_png(figure)
        panels = None if isinstance(figure, bytes) else len(figure.axes)
        self.figures[file] = (png, caption)
        self.figure_panels[file] = panels
        return file

    def add_section(self, title, text="", table=None, figures=()):
        """A titled section: a paragraph, an optional table `(columns, rows)`, and figure
        file names from `add_figure`."""
        unknown = [f for f in figures if f not in self.figures]
        if unknown:
            raise ValueError(f"Report.add_section: unknown figures {unknown}; add them first")
        self.sections.append({"title": title, "text": text, "table": table,
                              "figures": list(figures)})

    # ---------------------------------------------------------------- output
    def to_json(self):
        """The report as plain data (what results.json holds)."""
        return _json_safe({
            "recipe": self.recipe, "title": self.title, "description": self.description,
            "options": self.options, "claims": self.claims, "notes": self.notes,
            "summary": {"columns": self.summary_columns, "rows": self.summary_rows},
            "results": self.results,
            "sections": [{"title": s["title"], "figures": s["figures"]} for s in self.sections],
            "figures": {name: {"caption": caption, "axes": self.figure_panels[name]}
                        for name, (_, caption) in self.figures.items()},
        })

    def format_summary(self, rich=None):
        """The summary table as text: with rich's box drawing when rich is installed (and
        `rich` is not False), else plain ASCII. The cells are the JSON's numbers, rounded."""
        rows = [[_cell(v) for v in r] for r in self.summary_rows]
        if rich is not False:
            try:
                import rich.console  # noqa: PLC0415  (optional dependency)
                import rich.table  # noqa: PLC0415
            except ImportError:
                rich = False
        if rich is not False:
            table = rich.table.Table(title=self.title)
            for i, c in enumerate(self.summary_columns):
                table.add_column(str(c), justify="left" if i == 0 else "right")
            for r in rows:
                table.add_row(*r)
            # wide enough that no cell wraps: the printed numbers stay whole
            need = sum(max([len(str(c))] + [len(r[i]) for r in rows]) + 3
                       for i, c in enumerate(self.summary_columns)) + 1
            console = rich.console.Console(width=max(80, need), force_terminal=False,
                                           color_system=None)
            with console.capture() as capture:
                console.print(table)
            return capture.get().rstrip("\n")
        widths = [max(len(str(c)), *(len(r[i]) for r in rows)) if rows else len(str(c))
                  for i, c in enumerate(self.summary_columns)]
        rule = "+" + "+".join("-" * (w + 2) for w in widths) + "+"

        def line(cells, header=False):
            return "|" + "|".join(
                f" {c:<{w}} " if header or i == 0 else f" {c:>{w}} "
                for i, (c, w) in enumerate(zip(cells, widths))) + "|"

        out = [self.title, rule, line([str(c) for c in self.summary_columns], True), rule]
        out += [line(r) for r in rows]
        out.append(rule)
        return "\n".join(out)

    def to_html(self):
        """One self-contained HTML page: summary, notes, sections, embedded images."""
        esc = html.escape

        def table(columns, rows):
            head = "".join(f"<th>{esc(str(c))}</th>" for c in columns)
            def td(v):
                number = isinstance(v, int | float) and not isinstance(v, bool)
                return f'<td class="n">{esc(_cell(v))}</td>' if number else \
                    f"<td>{esc(_cell(v))}</td>"

            body = "".join("<tr>" + "".join(td(v) for v in r) + "</tr>" for r in rows)
            return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"

        def figure(name):
            png, caption = self.figures[name]
            data = base64.b64encode(png).decode("ascii")
            return (f'<figure><img alt="{esc(name)}" src="data:image/png;base64,{data}">'
                    f"<figcaption>{esc(caption or name)}</figcaption></figure>")

        parts = [f"<h1>{esc(self.title)}</h1>"]
        for c in self.claims:  # the lesson first: the notes' claim and this run's verdict
            verdict = "confirmed" if c["confirmed"] else "not confirmed"
            css = "confirmed" if c["confirmed"] else "not-confirmed"
            parts.append(f'<div class="claim {css}"><p><b>The notes:</b> '
                         f'{esc(c["claim"])}</p><p><b>This run: {verdict}.</b> '
                         f'{esc(c["evidence"])}</p></div>')
        parts.append(f"<p>{esc(self.description)}</p>")
        parts += [f'<p class="note">{esc(n)}</p>' for n in self.notes]
        parts.append('<section id="summary"><h2>Summary</h2>'
                     + table(self.summary_columns, self.summary_rows) + "</section>")
        for i, s in enumerate(self.sections):
            inner = [f"<h2>{esc(s['title'])}</h2>"]
            if s["text"]:
                inner.append(f"<p>{esc(s['text'])}</p>")
            if s["table"] is not None:
                inner.append(table(*s["table"]))
            inner += [figure(f) for f in s["figures"]]
            parts.append(f'<section id="section-{i + 1}">' + "".join(inner) + "</section>")
        options = ", ".join(f"{k}={v}" for k, v in self.options.items())
        parts.append(f"<footer>ember experiment {esc(self.recipe)} ({esc(options)})</footer>")
        style = ("body{font-family:sans-serif;max-width:1100px;margin:2em auto;color:#222}"
                 "table{border-collapse:collapse;margin:1em 0}th,td{border:1px solid #bbb;"
                 "padding:4px 10px;text-align:left}td.n{text-align:right}th{background:#eef}"
                 "img{max-width:100%}figure{margin:1em 0}"
                 ".note{background:#fff6d5;border:1px solid #e0c060;padding:.6em}"
                 ".claim{border-left:6px solid #3a3;background:#eefbee;padding:.2em .8em;"
                 "margin:.6em 0}.claim.not-confirmed{border-color:#c33;background:#fdeeee}"
                 "footer{color:#888;margin-top:3em;font-size:small}")
        # After loading, the page counts its images and those that failed to decode, on
        # <body data-images=... data-broken-images=...>: what a headless browser test reads.
        script = ("<script>window.addEventListener('load',function(){var im=document.images,"
                  "b=0;for(var k=0;k<im.length;k++){if(!im[k].complete||im[k].naturalWidth==="
                  "0){b++;}}document.body.setAttribute('data-images',im.length);document.body"
                  ".setAttribute('data-broken-images',b);});</script>")
        return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                f"<title>{esc(self.title)}</title><style>{style}</style>{script}</head><body>"
                + "\n".join(parts) + "</body></html>\n")

    def write(self, folder):
        """Write results.json, the PNGs and index.html into `folder` (created; files of an
        earlier run of the same name are replaced). Returns the folder as a Path."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        for name, (png, _) in self.figures.items():
            atomic_write_bytes(folder / name, png)
        atomic_write_bytes(folder / "results.json",
                           (json.dumps(self.to_json(), indent=2) + "\n").encode())
        atomic_write_bytes(folder / "index.html", self.to_html().encode("utf-8"))
        return folder

