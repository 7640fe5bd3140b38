"""nbconvert settings for an HTML page of the lesson that works offline:

    jupyter nbconvert --to html --config tools/offline_html.py Initialization.ipynb

run in the repository root. The page carries MathJax 3 inside it (a data: URL of the tex-svg-full.js that
the package sphinx-mathjax-offline ships, from requirements-teachers.txt), so its formulas typeset with the
network off, and each figure's alt text (written by init_plots.show into the output's metadata). The
template, tools/offline_html/, extends nbconvert's lab template. nbconvert does not read a configuration
file from the working directory by itself, hence --config.
"""

import base64
import importlib.metadata
from pathlib import Path

MATHJAX_PACKAGE = "sphinx-mathjax-offline"
MATHJAX_FILE = "sphinx-mathjax-offline/static/mathjax/tex-svg-full.js"


def mathjax_data_url():
    """MathJax 3 as a data: URL; a SystemExit naming the package to install if it is missing."""
    try:
        path = Path(importlib.metadata.distribution(MATHJAX_PACKAGE).locate_file(MATHJAX_FILE))
        script = path.read_bytes()
    except (importlib.metadata.PackageNotFoundError, OSError):
        raise SystemExit(f"The offline HTML page needs MathJax from the package {MATHJAX_PACKAGE}: "
                         "pip install -r requirements-teachers.txt") from None
    return "data:text/javascript;base64," + base64.b64encode(script).decode("ascii")


c = get_config()  # noqa: F821  (nbconvert runs this file with get_config defined)
c.HTMLExporter.template_name = "offline_html"
c.HTMLExporter.extra_template_basedirs = [str(Path(__file__).resolve().parent)]
c.HTMLExporter.mathjax_url = mathjax_data_url()
