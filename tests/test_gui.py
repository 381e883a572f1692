"""The examples in Nengo GUI, driven in a real browser.

Needs nengo-gui, selenium and Debian's ``chromium`` and ``chromium-driver``;
skipped where any of them is missing. Each example is copied (with its
``.cfg`` layout, if it ships one) into a temporary directory, so that Nengo
GUI writes no layout into the repository, served from there by
``nengo --no-browser``, opened in headless Chromium, and run: its objects must
appear in the network graph and simulated time must advance without errors.

The demos with a curated layout (`PLOTS`) must open with their plots: each
plot is drawn (an SVG path per line), its data change while the simulation
runs and stay inside its axes, and no plot, slider, HTML view or network
item overlaps another or leaves the visible area. A screenshot of each is
saved in the test's temporary directory; to refresh the ones in the docs::

    NENGO_FA_GUI_SCREENSHOTS=docs/figures python -m pytest tests/test_gui.py \
        -k "runs_in and (learn_product or classify_digits)" --simulator nengo

which writes ``docs/figures/gui_<example>.png`` after `SCREENSHOT_TIME`
simulated seconds. ``test_learn_product_on_nengo_fa_ocl`` runs
``nengo -b nengo_fa.ocl examples/learn_product.py`` (``PYOPENCL_CTX=0`` unless
set); it is skipped without nengo-ocl and an OpenCL device.
"""

import contextlib
import os
import pathlib
import re
import shutil
import socket
import subprocess
import sys
import time

import pytest
from conftest import _ocl_simulator

pytest.importorskip("nengo_gui")
webdriver = pytest.importorskip("selenium.webdriver")
CHROMIUM, DRIVER = shutil.which("chromium"), shutil.which("chromedriver")
pytestmark = pytest.mark.skipif(
    not (CHROMIUM and DRIVER), reason="needs Debian's chromium and chromium-driver"
)

ROOT = pathlib.Path(__file__).parents[1]
EXAMPLES = ROOT / "examples"
#: example -> labels that must appear in Nengo GUI's network graph
LABELS = {
    "learn_product": ["PES only", "FeedbackAlignment", "BackpropEncoder", "learning", "gate"],
    "classify_digits": ["digit", "error", "hidden0", "learning"],
    "compare_rules": ["input", "hidden0", "output", "learning"],
    "fa_vs_bp_two_hidden": ["BP", "FA"],
    "student_teacher": ["student", "teacher", "error"],
    "linear_alignment": ["FA (layer-wise)", "DFA", "x"],
}
#: example -> labels of the Value plots its layout opens with
PLOTS = {
    "learn_product": [
        "PES only vs target",
        "FeedbackAlignment vs target",
        "BackpropEncoder vs target",
        "RMS error",
    ],
    "classify_digits": ["running accuracy, squared error"],
}
#: simulated seconds before the screenshot for the docs (NENGO_FA_GUI_SCREENSHOTS)
SCREENSHOT_TIME = {"learn_product": 25.0, "classify_digits": 20.0}
TEXTS = "return Array.from(document.querySelectorAll('text')).map(t => t.textContent)"
SIM_TIME = "return document.getElementById('ticks_tr').innerText"
#: per Value plot: label, drawn lines, the data's last time and values, all values, y range
VALUE_PLOTS = """
return Nengo.Component.components.filter(c => c instanceof Nengo.Value).map(c => {
    const store = c.data_store;
    return {
        label: c.label.textContent,
        paths: Array.from(c.div.querySelectorAll('path.line')).map(
            p => (p.getAttribute('d') || '').length),
        time: store.times.length ? store.times[store.times.length - 1] : null,
        last: store.data.map(line => line[line.length - 1]),
        values: [].concat(...store.data),
        range: c.axes2d.scale_y.domain(),
    };
});
"""
#: screen rectangles of the components (plots with their legends, sliders, HTML
#: views with their content), of the network graph's items (with their labels)
#: and of the area they must stay in
RECTANGLES = """
const box = e => {
    const r = e.getBoundingClientRect();
    return [r.left, r.top, r.right, r.bottom];
};
const union = boxes => [0, 1, 2, 3].map(
    i => (i < 2 ? Math.min : Math.max)(...boxes.map(b => b[i])));
const drawn = e => {
    const b = box(e);
    return b[2] > b[0] && b[3] > b[1];
};
// a plot's legend and an HTML view's content may reach beyond the component
const extent = c => union([c.div, ...c.div.querySelectorAll('rect, text, p')].filter(drawn)
    .map(box));
const items = Object.values(Nengo.netgraph.svg_objects).filter(i => i.g.isConnected);
return {
    main: box(document.getElementById('main')),
    components: Nengo.Component.components.filter(c => c.div && c.div.isConnected).map(
        c => [c.label.textContent, extent(c)]),
    items: items.map(i => [i.label ? i.label.textContent : i.uid, box(i.g)]),
};
"""


def free_port():
    with socket.socket() as sock:
        sock.bind(("localhost", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def nengo_gui_page(name, directory, backend=None, hide_editor=False):
    """Serve ``examples/<name>.py`` from a copy in ``directory``; yield (browser, server).

    ``hide_editor`` hides the code editor (as its button would; Nengo GUI keeps
    that choice in the browser's localStorage).
    """
    for path in (EXAMPLES / f"{name}.py", EXAMPLES / f"{name}.py.cfg"):
        if path.exists():
            shutil.copy(path, directory)
    command = [sys.executable, "-m", "nengo_gui.main", "--no-browser"]
    command += ["--auto-shutdown", "0", "-P", str(free_port())]
    command += ["-b", backend] if backend else []
    env = dict(os.environ, OMP_NUM_THREADS="1")
    env.setdefault("PYOPENCL_CTX", "0")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    with contextlib.ExitStack() as stack:
        server = subprocess.Popen(
            [*command, f"{name}.py"],
            cwd=directory,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )

        @stack.callback
        def stop_server():
            server.terminate()
            server.communicate(timeout=30)

        url = None
        for line in server.stdout:
            match = re.search(r"(http://localhost:\d+/\?token=\w+)", line)
            if match:
                url = match.group(1)
                break
        assert url, "Nengo GUI did not start"
        options = webdriver.ChromeOptions()
        options.binary_location = CHROMIUM
        for flag in (
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--disable-dev-shm-usage",
            "--disable-background-networking",
            "--no-first-run",
            "--disable-component-update",
            "--disable-sync",
            "--window-size=1400,900",
            f"--user-data-dir={pathlib.Path(directory) / 'chromium'}",
        ):
            options.add_argument(flag)
        browser = webdriver.Chrome(
            service=webdriver.chrome.service.Service(DRIVER), options=options
        )
        stack.callback(browser.quit)
        browser.get(url)
        if hide_editor:
            browser.execute_script("localStorage.setItem('ng.hide_editor', 'true')")
            browser.refresh()
        yield browser, server


@pytest.fixture
def gui(tmp_path):
    """A function opening an example in Nengo GUI (`nengo_gui_page`), closed after the test."""
    with contextlib.ExitStack() as stack:

        def open_example(name, **kwargs):
            return stack.enter_context(nengo_gui_page(name, tmp_path, **kwargs))

        yield open_example


def wait_for(condition, timeout=120.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        value = condition()
        if value:
            return value
        time.sleep(0.25)
    raise AssertionError("timed out")


def simulated_time(browser):
    text = browser.execute_script(SIM_TIME)
    return float(text.split()[-1]) if text else 0.0


def start(browser, name):
    """Wait for the example's objects to appear, press play, wait for time to advance."""

    def shown(label):
        return any(label in text for text in browser.execute_script(TEXTS) or [])

    wait_for(lambda: all(shown(label) for label in LABELS[name]))
    wait_for(lambda: browser.find_elements("id", "pause_button")).pop().click()
    wait_for(lambda: simulated_time(browser) > 0.3)


def value_plots(browser):
    return {plot["label"]: plot for plot in browser.execute_script(VALUE_PLOTS)}


def check_plots_update(browser, labels):
    """The plots are drawn, their data advance in time and change, and fit their axes."""
    before = wait_for(
        lambda: (
            (plots := value_plots(browser)).keys() >= set(labels)
            and all(plots[label]["time"] for label in labels)
            and plots
        )
    )
    wait_for(lambda: simulated_time(browser) > min(before[label]["time"] for label in labels) + 1)
    after = value_plots(browser)
    for label in labels:
        old, new = before[label], after[label]
        assert new["paths"] and min(new["paths"]) > 20, f"{label}: lines not drawn"
        assert new["time"] > old["time"], f"{label}: no new data"
        assert new["last"] != old["last"], f"{label}: data did not change"
        low, high = new["range"]
        inside = [low <= value <= high for value in new["values"]]
        assert sum(inside) >= 0.95 * len(inside), f"{label}: data outside {new['range']}"


def overlaps(a, b, margin=1.0):
    return (
        min(a[2], b[2]) - max(a[0], b[0]) > margin and min(a[3], b[3]) - max(a[1], b[1]) > margin
    )


def check_layout(browser):
    """No component or network item overlaps another or leaves the visible area."""
    rectangles = browser.execute_script(RECTANGLES)
    main = rectangles["main"]
    boxes = rectangles["components"] + rectangles["items"]
    for label, box in boxes:
        assert main[0] <= box[0] and main[1] <= box[1], f"{label} {box} is cut off by {main}"
        assert box[2] <= main[2] and box[3] <= main[3], f"{label} {box} is cut off by {main}"
    for i, (label, box) in enumerate(boxes):
        for other, other_box in boxes[i + 1 :]:
            assert not overlaps(box, other_box), f"{label} {box} overlaps {other} {other_box}"


def check_no_errors(browser, server):
    """Nengo GUI shows no error (in its console under the editor) and its server printed none."""
    shown = browser.execute_script("return document.getElementById('console_error').textContent")
    assert not shown, shown
    assert server.poll() is None, "the Nengo GUI server stopped"
    server.terminate()
    output = server.communicate(timeout=30)[0]
    assert "Traceback" not in output, output


def save_screenshot(browser, name, tmp_path):
    browser.save_screenshot(str(tmp_path / f"gui_{name}.png"))
    folder = os.environ.get("NENGO_FA_GUI_SCREENSHOTS")
    if folder:
        wait_for(lambda: simulated_time(browser) > SCREENSHOT_TIME[name], timeout=600)
        time.sleep(0.5)  # let the plots draw the last data
        browser.save_screenshot(str(pathlib.Path(folder) / f"gui_{name}.png"))


@pytest.mark.parametrize("name", sorted(LABELS))
def test_example_runs_in_nengo_gui(gui, tmp_path, name):
    browser, server = gui(name)
    start(browser, name)
    if name == "classify_digits":  # the HTML view of the digit and the guess
        wait_for(lambda: browser.page_source.count("<rect x=") >= 64)
        assert "guess" in browser.page_source
    if name in PLOTS:
        check_layout(browser)
        check_plots_update(browser, PLOTS[name])
        save_screenshot(browser, name, tmp_path)
    check_no_errors(browser, server)


def test_learn_product_on_nengo_fa_ocl(gui):
    if _ocl_simulator() is None:
        pytest.skip("needs nengo-ocl, pyopencl and an OpenCL device")
    browser, server = gui("learn_product", backend="nengo_fa.ocl")
    start(browser, "learn_product")
    check_plots_update(browser, PLOTS["learn_product"])
    maps = pathlib.Path(f"/proc/{server.pid}/maps")
    if maps.exists() and "libpocl" in maps.read_text():
        # pocl (PYOPENCL_CTX=0 here) loads each compiled kernel as a library:
        # nengo-fa's own kernels show that nengo_fa.ocl.Simulator runs the model
        assert "encoder_update" in maps.read_text(), "nengo-fa's OpenCL kernels did not run"
    check_no_errors(browser, server)
