"""The figures' alt texts and the offline HTML export, without a browser (tests/test_browser.py opens the
page in Chromium with the network off).

- every figure the notebook stores carries an alt text in its output metadata, that starts with the
  figure's title as the notebook's code gives it and says what it shows;
- the page exported as the README says has no script, style or image from the network, MathJax inside,
  and every <img> with that alt text;
- the export's settings name the package to install when MathJax is missing, instead of writing a page
  whose formulas need the network.
"""

import html.parser
import importlib.metadata
import re
import runpy
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
import traitlets.config

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "tools" / "offline_html.py"
# Titles as the notebook's cells pass them (or as the plot functions build them from the cell's arguments).
TITLES = ("Training set:", "zeros initialization:", "Zero initialization:", "random initialization:",
          "Large random initialization:", "he initialization:", "He initialization:", "50 ReLU layers of 256 units",
          "Pre-activations Z_l at initialization:", "30 layers, learning rate 0.01", "Results of the sweep")


def stored_alts():
    notebook = nbformat.read(ROOT / "Initialization.ipynb", as_version=4)
    return [out.get("metadata", {}).get("image/png", {}).get("alt") for cell in notebook.cells
            if cell.cell_type == "code" for out in cell.outputs if "image/png" in out.get("data", {})]


def test_every_stored_figure_has_an_alt_text_that_starts_with_its_title():
    alts = stored_alts()
    assert len(alts) == len(TITLES), f"{len(alts)} figures stored; this test knows {len(TITLES)} titles"
    for alt, title in zip(alts, TITLES):
        assert alt and alt.startswith(title), (title, alt)
        assert len(alt) > 100, alt                      # a title alone does not say what to look for


def test_the_alt_texts_say_what_to_look_for():
    alts = dict(zip(TITLES, stored_alts()))
    assert "flat: it never moves" in alts["zeros initialization:"]              # the zeros run's cost
    assert "predicts label 0 everywhere" in alts["Zero initialization:"]
    assert "from 1774 at iteration 0" in alts["random initialization:"]          # the course's 1773.586, rounded
    assert "from 0.8831 at iteration 0" in alts["he initialization:"]           # the course's 0.8830537463
    assert "150 of label 0 in red and 150 of label 1 in blue" in alts["Training set:"]


class Page(html.parser.HTMLParser):
    """What an HTML page loads from elsewhere, and its images' alt texts."""

    def __init__(self):
        super().__init__()
        self.sources, self.alts, self.scripts = [], [], 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for key in ("src", "href"):
            if tag in ("script", "link", "img", "iframe") and attrs.get(key):
                self.sources.append(attrs[key][:60])
        if tag == "img":
            self.alts.append(attrs.get("alt"))


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    folder = tmp_path_factory.mktemp("html")
    run = subprocess.run([sys.executable, "-m", "jupyter", "nbconvert", "--to", "html", "--config",
                          "tools/offline_html.py", "Initialization.ipynb", "--output-dir", str(folder)],
                         cwd=ROOT, capture_output=True, text=True, timeout=300)
    if run.returncode and "sphinx-mathjax-offline" in run.stderr:
        pytest.skip("the offline page needs sphinx-mathjax-offline: pip install -r requirements-teachers.txt")
    assert run.returncode == 0, run.stderr[-2000:]
    assert "Alternative text is missing" not in run.stderr, run.stderr[-2000:]
    return (folder / "Initialization.html").read_text(encoding="utf-8")


def test_the_html_page_loads_nothing_from_the_network(exported):
    page = Page()
    page.feed(exported)
    remote = [source for source in page.sources if re.match(r"(https?:)?//", source)]
    assert not remote, remote
    assert any(source.startswith("data:text/javascript;base64,") for source in page.sources), "MathJax is not inside"


def test_the_html_page_gives_every_figure_its_alt_text(exported):
    page = Page()
    page.feed(exported)
    assert page.alts == stored_alts()


def test_the_export_names_the_package_when_mathjax_is_missing(monkeypatch):
    def missing(name):
        raise importlib.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(importlib.metadata, "distribution", missing)
    with pytest.raises(SystemExit, match="sphinx-mathjax-offline.*requirements-teachers.txt"):
        runpy.run_path(str(CONFIG), init_globals={"get_config": traitlets.config.Config})
