"""The documentation builds without warnings, documents every public name and shows every figure.

Builds the Sphinx site once (skipped without Sphinx, numpydoc and Furo: ``pip install
-e ".[docs]"``). Nothing in ``examples/`` or ``benchmarks/`` is run by the build.
"""

import importlib
import re
import runpy
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

for _module in ("sphinx", "numpydoc", "furo"):
    pytest.importorskip(_module)

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"

#: Modules whose ``__all__`` names must each be documented under the module's name.
PUBLIC_MODULES = (
    "nengo_fa",
    "nengo_fa.networks",
    "nengo_fa.builder",
    "nengo_fa.datasets",
    "nengo_fa.metrics",
    "nengo_fa.plots",
)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The built HTML directory, and the build's warnings (stderr)."""
    out = tmp_path_factory.mktemp("docs")
    command = [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-b", "html", "-q"]
    command += ["-d", str(out / "doctrees"), str(DOCS), str(out / "html")]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-5000:]
    return out / "html", result.stderr


def documented_ids(html, pages="api/*.html"):
    """The ``id``s of the object descriptions (``<dt ... id="...">``) in ``pages``."""
    ids = set()
    for page in html.glob(pages):
        ids.update(re.findall(r'<dt class="sig[^"]*" id="([^"]+)"', page.read_text("utf-8")))
    return ids


def shown_images(page):
    """Names of the images a built page shows."""
    return set(re.findall(r'<img [^>]*src="[^"]*?_images/([^"]+)"', page.read_text("utf-8")))


def test_build_has_no_warnings(site):
    _, warnings = site
    assert warnings.strip() == ""


@pytest.mark.parametrize("module_name", PUBLIC_MODULES)
def test_api_reference_documents_every_public_name(site, module_name):
    ids = documented_ids(site[0])
    module = importlib.import_module(module_name)
    missing = [name for name in module.__all__ if f"{module_name}.{name}" not in ids]
    assert not missing, f"not in the API reference: {missing}"


def test_api_reference_documents_derivatives_operators_and_simulators(site):
    import nengo_fa.builder
    import nengo_fa.derivatives

    ids = documented_ids(site[0])
    functions = [
        name
        for name, obj in vars(nengo_fa.derivatives).items()
        if callable(obj)
        and not name.startswith("_")
        and getattr(obj, "__module__", None) == "nengo_fa.derivatives"
        and name != "register_derivative"  # documented as nengo_fa.register_derivative
    ]
    assert functions
    missing = [name for name in functions if f"nengo_fa.derivatives.{name}" not in ids]
    assert not missing
    operators = [f"nengo_fa.builder.{op.__name__}" for op in nengo_fa.builder.OPERATORS]
    expected = operators + ["nengo_fa.builder.OPERATORS", "nengo_fa.ocl.Simulator"]
    assert not [name for name in expected if name not in ids]


def test_every_example_has_a_page_showing_its_figures(site):
    html, _ = site
    config = runpy.run_path(str(DOCS / "conf.py"))["nengo_fa_examples"]
    scripts = sorted((ROOT / "examples").glob("*.py"))
    assert scripts
    for script in scripts:
        page = html / "examples" / f"{script.stem}.html"
        assert page.is_file(), f"no page for examples/{script.name}"
        figures = [figure for figure, _ in config[script.stem]["figures"]]
        assert figures, f"examples/{script.name} shows no figure"
        assert set(figures) <= shown_images(page), script.stem
        text = page.read_text("utf-8")
        assert "def main" in text or "model" in text  # the source is included
    index = shown_images(html / "examples" / "index.html")
    assert {config[s.stem]["figures"][0][0] for s in scripts} <= index


def test_every_committed_figure_and_result_is_shown(site):
    html, _ = site
    shown = set().union(*(shown_images(page) for page in html.rglob("*.html")))
    figures = {path.name for path in (DOCS / "figures").glob("*.png")}
    assert figures <= shown, f"figures in docs/figures/ on no page: {sorted(figures - shown)}"
    text = "".join(page.read_text("utf-8") for page in html.rglob("*.html"))
    results = {path.name for path in (DOCS / "results").glob("*.txt")}
    missing = [name for name in results if f"Full output: results/{name}" not in text]
    assert not missing, f"outputs in docs/results/ on no page: {missing}"


def python_blocks(text):
    """The ``.. code-block:: python`` blocks of a reStructuredText page, dedented."""
    pattern = r"^\.\. code-block:: python\n\n((?:(?:   .*)?\n)+)"
    return [textwrap.dedent(block) for block in re.findall(pattern, text, flags=re.M)]


def test_python_code_in_the_pages_compiles():
    pages = sorted(DOCS.rglob("*.rst"))
    blocks = [(page, block) for page in pages for block in python_blocks(page.read_text("utf-8"))]
    assert len(blocks) >= 5
    for page, block in blocks:
        compile(block, str(page), "exec")


def test_measured_tables_are_read_from_the_outputs(site):
    page = (site[0] / "benchmarks" / "product.html").read_text("utf-8")
    accuracy = (DOCS / "results" / "accuracy.txt").read_text("utf-8")
    command = accuracy.splitlines()[0].removeprefix("$ ")
    assert "benchmarks/product.py accuracy" in command
    assert "accuracy" in page and "--processes" in page
    rows = [line for line in accuracy.splitlines() if line.startswith("| 10 RectifiedLinear")]
    assert rows
    for cell in rows[0].strip("|").split("|"):
        assert f"<p>{cell.strip()}</p>" in page
