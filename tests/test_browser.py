"""The lesson as students meet it: opened in JupyterLab and in Jupyter Notebook 7, in headless Chromium,
Run All clicked in the Run menu, and what the page shows read from the page, not from nbclient.

- the solution notebook: every figure the notebook stores is on screen, no error or stderr area, and every
  formula of the markdown typeset (as many MathJax elements as the sources hold formulas, counted here);
- the student notebook, blank: under Exercise 1's test cell its diagnosis, under the model cell the
  lesson's one-line message naming the exercise (no traceback), and Run All stopped there;
- the student notebook with the three exercises solved: every test cell shows "All tests passed.";
- the offline HTML page (tools/offline_html.py) with every network request refused: formulas typeset,
  every figure with its alt text, and no request made at all.

Each state is saved as a screenshot; a failure names its file. The servers run on a free loopback port
with a token, on a copy of the lesson in a temporary folder (Jupyter autosaves what it runs), with
configuration, settings and workspaces of their own, and without MPLBACKEND (it would reach the kernels
and hide the figures). Marked `browser`: `pytest -m "not browser"` leaves them out. They need
`requirements-teachers.txt` (JupyterLab, Notebook 7, Playwright) and Chromium (`apt-get install chromium`):
without them they skip, saying what to install, and fail when CI is "true".
"""

import contextlib
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import nbformat
import pytest

from assignment import EXPLORER, GRADED, HELPER_FILES

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
RUN_ALL_TIMEOUT = 300          # seconds; the solution takes about 25 s here
SOLVED = {"initialize_parameters_zeros": "np.zeros((layers_dims[l], layers_dims[l - 1]))",
          "initialize_parameters_random": "rng.randn(layers_dims[l], layers_dims[l - 1]) * 10",
          "initialize_parameters_he": "rng.randn(layers_dims[l], layers_dims[l - 1]) * np.sqrt(2 / layers_dims[l - 1])"}
BLANK_W = "        parameters['W' + str(l)] = None\n"
BLANK_B = "        parameters['b' + str(l)] = None\n"


def missing():
    """What is missing to run these tests, in words, or None."""
    needs = []
    for module, package in (("playwright", "playwright"), ("jupyterlab", "jupyterlab"), ("notebook", "notebook")):
        try:
            __import__(module)
        except ImportError:
            needs.append(package)
    words = []
    if needs:
        words.append(f"the Python packages {', '.join(needs)} (pip install -r requirements-teachers.txt)")
    if not os.access(CHROMIUM, os.X_OK):
        words.append(f"Chromium at {CHROMIUM} (apt-get install chromium, or set CHROMIUM)")
    return " and ".join(words) or None


@pytest.fixture(scope="module", autouse=True)
def requirements():
    """Skip where something is missing, saying what; fail instead on CI, which installs everything."""
    what = missing()
    if what:
        message = f"the browser tests need {what}"
        pytest.fail(f"CI is true, yet {message}") if os.environ.get("CI") == "true" else pytest.skip(message)


def math_count(notebook):
    """How many formulas ($...$ and $$...$$) the notebook's markdown holds, outside code."""
    count = 0
    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            text = re.sub(r"`[^`\n]*`", "", re.sub(r"```.*?```", "", cell.source, flags=re.S))
            display = re.findall(r"\$\$.+?\$\$", text, flags=re.S)
            count += len(display) + len(re.findall(r"(?<!\\)\$[^$\n]+?(?<!\\)\$",
                                                   re.sub(r"\$\$.+?\$\$", "", text, flags=re.S)))
    return count


def stored_figures(notebook):
    return sum("image/png" in out.get("data", {}) for cell in notebook.cells if cell.cell_type == "code"
               for out in cell.outputs)


def solved(notebook):
    """The student notebook with the three exercises filled in."""
    for cell in notebook.cells:
        for name, W in SOLVED.items():
            if cell.source.startswith(f"# GRADED FUNCTION: {name}\n"):
                assert BLANK_W in cell.source and BLANK_B in cell.source, name
                cell.source = cell.source.replace(BLANK_W, f"        parameters['W' + str(l)] = {W}\n").replace(
                    BLANK_B, "        parameters['b' + str(l)] = np.zeros((layers_dims[l], 1))\n")
    return notebook


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    """A copy of what a student has: the lesson, its helper files, student/ with the blank and a solved notebook."""
    folder = tmp_path_factory.mktemp("lesson")
    for name in HELPER_FILES + ("Initialization.ipynb", EXPLORER):
        shutil.copy(ROOT / name, folder / name)
    (folder / "student").mkdir()
    shutil.copy(ROOT / "student" / "Initialization.ipynb", folder / "student" / "Initialization.ipynb")
    nbformat.write(solved(nbformat.read(ROOT / "student" / "Initialization.ipynb", as_version=4)),
                   folder / "student" / "Solved.ipynb")
    return folder


@pytest.fixture(scope="module")
def shots(tmp_path_factory):
    """The folder the screenshots go to (kept by pytest with its last temporary folders)."""
    return tmp_path_factory.mktemp("browser-screenshots")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def jupyter(kind, root, scratch):
    """A JupyterLab ("lab") or Notebook 7 ("notebook") server on root; yields the URL of a notebook path."""
    port, token = free_port(), secrets.token_hex(16)
    env = {k: v for k, v in os.environ.items() if k not in ("MPLBACKEND", "PYTHONPATH")}
    for name in ("JUPYTER_CONFIG_DIR", "JUPYTER_RUNTIME_DIR", "JUPYTERLAB_SETTINGS_DIR", "JUPYTERLAB_WORKSPACES_DIR"):
        env[name] = str(scratch / name.lower())
    log = open(scratch / f"{kind}-server.log", "w")
    server = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab" if kind == "lab" else "notebook", "--no-browser", "--allow-root",
         "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
         f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}"],
        env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2).close()
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"the {kind} server did not start; its log: {scratch / f'{kind}-server.log'}")
                time.sleep(0.3)
        prefix = "lab/tree" if kind == "lab" else "notebooks"
        yield lambda path: f"{base}/{prefix}/{path}?token={token}"
    finally:
        server.terminate()
        try:
            server.wait(15)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


@pytest.fixture(scope="module")
def chromium():
    from playwright.sync_api import sync_playwright
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--no-first-run", "--disable-quic"])
        yield browser
        browser.close()


@pytest.fixture(scope="module", params=["lab", "notebook"])
def server(request, project, tmp_path_factory):
    with jupyter(request.param, project, tmp_path_factory.mktemp(request.param)) as url:
        yield request.param, url


# The notebook on screen: JupyterLab restores its last workspace, so other notebooks opened by earlier
# tests stay open in hidden tabs.
PANEL = ".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook"

# What the page shows, read in the page: cells in notebook order (JupyterLab and Notebook 7 keep every
# cell in the DOM, rendering off-screen ones lazily: textContent is there, innerText may not be).
READ_PAGE = """() => {
  const cells = [...document.querySelectorAll('%s .jp-Cell')];
  return cells.map(cell => ({
    kind: cell.classList.contains('jp-CodeCell') ? 'code' : 'other',
    prompt: (cell.querySelector('.jp-InputPrompt') || {}).textContent || '',
    outputs: [...cell.querySelectorAll('.jp-OutputArea-output')].map(out => ({
      mime: out.getAttribute('data-mime-type') || (out.querySelector('img') ? 'image/png' : ''),
      text: out.textContent})),
    images: cell.querySelectorAll('.jp-OutputArea-output img').length,
    math: cell.querySelectorAll('mjx-container').length}));
}""" % PANEL
ERROR_MIMES = ("application/vnd.jupyter.stderr",)


def run_all(page, url, shot):
    """Open the notebook, Run All from the Run menu, wait until nothing is queued; return the cells read."""
    page.goto(url)
    page.wait_for_selector(f"{PANEL} .jp-Cell", timeout=60_000)
    page.wait_for_timeout(2000)                  # Run All queues the cells until the kernel is ready
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Run$")).click()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Run All Cells$")).click()
    deadline, quiet = time.monotonic() + RUN_ALL_TIMEOUT, 0
    while quiet < 6:                             # no cell queued or running for 3 s
        busy, started = page.evaluate(f"""() => {{
          const prompts = [...document.querySelectorAll('{PANEL} .jp-InputPrompt')].map(p => p.textContent);
          return [prompts.some(p => p.includes('*')), prompts.some(p => /\\[\\d+\\]/.test(p))];
        }}""")
        quiet = quiet + 1 if started and not busy else 0
        if time.monotonic() > deadline:
            page.screenshot(path=str(shot))
            pytest.fail(f"Run All did not finish in {RUN_ALL_TIMEOUT} s; screenshot: {shot}")
        page.wait_for_timeout(500)
    page.wait_for_timeout(1000)                  # the last outputs and formulas render
    return page.evaluate(READ_PAGE)


def index_of(notebook, start):
    """The index of the one cell whose source starts with `start`."""
    found = [i for i, c in enumerate(notebook.cells) if c.source.startswith(start)]
    assert len(found) == 1, (start, found)
    return found[0]


def show_cell(page, index, shot):
    """Scroll cell `index` into view and save a screenshot of the page; return the file."""
    cell = page.locator(f"{PANEL} .jp-Cell").nth(index)
    cell.scroll_into_view_if_needed()
    page.wait_for_timeout(500)
    page.screenshot(path=str(shot))
    return shot


def test_the_solution_runs_all_with_every_figure_and_formula(chromium, server, project, shots):
    kind, url = server
    notebook = nbformat.read(project / "Initialization.ipynb", as_version=4)
    page = chromium.new_page(viewport={"width": 1400, "height": 1000})
    shot = shots / f"solution-{kind}.png"
    cells = run_all(page, url("Initialization.ipynb"), shot)
    page.screenshot(path=str(shot))
    assert len(cells) == len(notebook.cells), f"{len(cells)} cells on screen, {len(notebook.cells)} in the notebook"
    unrun = [i for i, c in enumerate(cells) if c["kind"] == "code" and not re.search(r"\[\d+\]", c["prompt"])]
    assert not unrun, f"cells {unrun} did not run; screenshot: {shot}"
    errors = [(i, o["text"][:300]) for i, c in enumerate(cells) for o in c["outputs"] if o["mime"] in ERROR_MIMES]
    assert not errors, f"error or stderr areas: {errors}; screenshot: {shot}"
    images = sum(c["images"] for c in cells)
    assert images == stored_figures(notebook), f"{images} figures on screen, {stored_figures(notebook)} stored"
    typeset = sum(c["math"] for c in cells)
    assert typeset == math_count(notebook), f"{typeset} formulas typeset of {math_count(notebook)}; screenshot: {shot}"
    page.close()


def test_the_blank_student_notebook_shows_the_lessons_messages(chromium, server, project, shots):
    kind, url = server
    notebook = nbformat.read(project / "student" / "Initialization.ipynb", as_version=4)
    zeros, random = GRADED[:2]
    test_cell = index_of(notebook, f"{zeros}_test({zeros})")
    model_cell = index_of(notebook, 'parameters = runs["zeros"] = model(')
    later = index_of(notebook, f"{random}_test({random})")
    page = chromium.new_page(viewport={"width": 1400, "height": 1000})
    cells = run_all(page, url("student/Initialization.ipynb"), shots / f"student-blank-{kind}.png")
    shot = show_cell(page, test_cell, shots / f"student-blank-{kind}-exercise-1.png")
    first = cells[test_cell]["outputs"][0]
    assert first["mime"] not in ERROR_MIMES and first["text"].startswith(f"{zeros}: 1 problem found."), (
        f"under Exercise 1's test cell: {first['text'][:300]!r}; screenshot: {shot}")
    assert "the lines that set them are still blanks" in first["text"], first["text"][:500]
    shot = show_cell(page, model_cell, shots / f"student-blank-{kind}-model.png")
    failing = [i for i, c in enumerate(cells) for o in c["outputs"] if o["mime"] in ERROR_MIMES]
    assert failing == [model_cell], f"error areas in cells {failing}, expected only {model_cell}; screenshot: {shot}"
    message = cells[model_cell]["outputs"][0]["text"].strip()
    assert message.startswith("InputError") and "Exercise 1" in message and "W1 is None" in message, (
        f"the model cell shows {message[:500]!r}; screenshot: {shot}")
    assert len(message.splitlines()) <= 2 and "Traceback" not in message and "File " not in message, (
        f"a traceback instead of the lesson's message: {message[:500]!r}; screenshot: {shot}")
    assert not cells[later]["outputs"] and not re.search(r"\d", cells[later]["prompt"]), (
        f"Run All went past the failing cell (cell {later} ran); screenshot: {shot}")
    page.close()


def test_the_solved_student_notebook_passes_every_test(chromium, server, project, shots):
    kind, url = server
    if kind != "lab":
        pytest.skip("checked in JupyterLab; Notebook 7 renders the same outputs (the tests above run in both)")
    notebook = nbformat.read(project / "student" / "Solved.ipynb", as_version=4)
    page = chromium.new_page(viewport={"width": 1400, "height": 1000})
    shot = shots / f"student-solved-{kind}.png"
    cells = run_all(page, url("student/Solved.ipynb"), shot)
    for name in GRADED:
        index = index_of(notebook, f"{name}_test({name})")
        text = cells[index]["outputs"][0]["text"] if cells[index]["outputs"] else ""
        if not text.startswith("All tests passed."):
            shot = show_cell(page, index, shot)
            pytest.fail(f"{name}'s test cell shows {text[:300]!r}; screenshot: {shot}")
    errors = [(i, o["text"][:300]) for i, c in enumerate(cells) for o in c["outputs"] if o["mime"] in ERROR_MIMES]
    assert not errors, f"error or stderr areas: {errors}; screenshot: {shot}"
    images = sum(c["images"] for c in cells)
    assert images == stored_figures(nbformat.read(ROOT / "Initialization.ipynb", as_version=4)), (
        f"{images} figures; screenshot: {shot}")
    page.close()


def test_the_html_page_works_offline(chromium, tmp_path, shots):
    """The README's export, opened from a file with every network request refused."""
    subprocess.run([sys.executable, "-m", "jupyter", "nbconvert", "--to", "html", "--config", "tools/offline_html.py",
                    "Initialization.ipynb", "--output-dir", str(tmp_path)],
                   cwd=ROOT, check=True, capture_output=True, timeout=300)
    notebook = nbformat.read(ROOT / "Initialization.ipynb", as_version=4)
    context = chromium.new_context(offline=True)
    asked = []

    def refuse(route):
        if not route.request.url.startswith(("file:", "data:")):
            asked.append(route.request.url)
            return route.abort()
        return route.continue_()

    context.route("**/*", refuse)
    page = context.new_page()
    page.goto((tmp_path / "Initialization.html").as_uri())
    page.wait_for_function("() => window.MathJax && MathJax.startup && MathJax.startup.promise", timeout=60_000)
    page.evaluate("() => MathJax.startup.promise")
    shot = shots / "offline-html.png"
    typeset = page.locator("mjx-container").count()
    if typeset:
        page.locator("mjx-container").nth(typeset // 2).scroll_into_view_if_needed()
    page.screenshot(path=str(shot))
    assert typeset == math_count(notebook), f"{typeset} formulas typeset of {math_count(notebook)}; screenshot: {shot}"
    assert page.locator("mjx-merror").count() == 0, f"MathJax could not read a formula; screenshot: {shot}"
    assert not asked, f"the page asked the network for {asked}"
    alts = page.eval_on_selector_all("img", "images => images.map(i => i.getAttribute('alt') || '')")
    assert len(alts) == stored_figures(notebook)
    for alt in alts:
        assert len(alt) > 80 and "No description" not in alt, alt
    for title in ("Training set:", "Zero initialization:", "He initialization:", "50 ReLU layers"):
        assert any(alt.startswith(title) for alt in alts), (title, alts)
    context.close()


def test_the_explorer_answers_its_controls(chromium, server, project, shots):
    """Explore.ipynb: the depth and scale controls moved with the keyboard redraw the view; Train runs to the
    end and draws the boundary; Stop ends a second run early."""
    kind, url = server
    page = chromium.new_page(viewport={"width": 1400, "height": 1000})
    shot = shots / f"explorer-{kind}.png"
    run_all(page, url("Explore.ipynb"), shot)
    panel = page.locator(PANEL)
    view = panel.locator("img.widget-image").first
    view.wait_for(timeout=30_000)

    def redraws(action, what):
        before = view.get_attribute("src")
        action()
        try:
            page.wait_for_function("([img, before]) => img.getAttribute('src') !== before",
                                   arg=[view.element_handle(), before], timeout=30_000)
        except Exception:
            page.screenshot(path=str(shot))
            pytest.fail(f"the view did not change after {what}; screenshot: {shot}")

    def says(words, timeout, failure):
        """Wait until a text of the explorer holds words; else fail with a screenshot."""
        try:
            page.wait_for_function("words => [...document.querySelectorAll('.widget-html-content')]"
                                   ".some(e => e.textContent.includes(words))", arg=words, timeout=timeout)
        except Exception:
            page.screenshot(path=str(shot))
            pytest.fail(f"{failure}; screenshot: {shot}")

    def slider(name, key, text):
        """Move a slider with the keyboard: arrow keys on its focused handle (JupyterLab: Notebook 7 takes
        arrow keys for its own shortcuts, even there), then a value typed into its readout (both)."""
        control = panel.locator(".widget-slider").filter(has_text=name)
        control.scroll_into_view_if_needed()
        if kind == "lab":
            control.locator(".noUi-handle").click()           # a click on the handle focuses it, not moving it
            redraws(lambda: [page.keyboard.press(key) for _ in range(3)], f"three {key} on the {name} slider")
        control.locator(".widget-readout").click()
        page.keyboard.press("Control+A")
        redraws(lambda: (page.keyboard.type(text), page.keyboard.press("Enter")),
                f"typing {text} into the {name} slider's readout")

    slider("depth", "ArrowLeft", "7")
    start = panel.locator("select").first
    start.focus()
    redraws(lambda: start.select_option("c × He"), "choosing the start c × He")
    slider("gain c", "ArrowRight", "0.1")
    start.select_option("He")
    page.wait_for_timeout(1000)
    result = panel.locator(".widget-html-content", has_text=re.compile("Done|Stopped|Training"))
    panel.locator("button", has_text="Train").click()
    says("Done.", 180_000, "the training did not finish")
    panel.locator("img.widget-image").nth(1).scroll_into_view_if_needed()
    page.screenshot(path=str(shot))
    assert "Accuracy: 0.99333 (298/300 correct)" in result.text_content(), f"screenshot: {shot}"
    assert panel.locator("img.widget-image").count() == 2, f"no decision boundary; screenshot: {shot}"
    panel.locator("button", has_text="Train").click()
    page.wait_for_timeout(1500)
    panel.locator("button", has_text="Stop").click()
    says("Stopped at iteration", 60_000, "Stop did not end the training")
    page.close()
