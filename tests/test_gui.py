"""The examples in Nengo GUI, driven in a real browser.

Needs nengo-gui, selenium and Debian's ``chromium`` and ``chromium-driver``;
skipped where any of them is missing. Each example is served by
``nengo --no-browser``, opened in headless Chromium, and run: its objects must
appear in the network graph and simulated time must advance without errors.
"""

import pathlib
import re
import shutil
import socket
import subprocess
import sys
import time

import pytest

pytest.importorskip("nengo_gui")
webdriver = pytest.importorskip("selenium.webdriver")
CHROMIUM, DRIVER = shutil.which("chromium"), shutil.which("chromedriver")
pytestmark = pytest.mark.skipif(
    not (CHROMIUM and DRIVER), reason="needs Debian's chromium and chromium-driver"
)

EXAMPLES = pathlib.Path(__file__).parents[1] / "examples"
#: example -> labels that must appear in Nengo GUI's network graph
LABELS = {
    "learn_product": ["PES only", "FeedbackAlignment", "BackpropEncoder"],
    "classify_digits": ["digit", "error", "hidden0", "learning"],
    "compare_rules": ["input", "hidden0", "output", "learning"],
    "fa_vs_bp_two_hidden": ["BP", "FA"],
    "student_teacher": ["student", "teacher", "error"],
    "linear_alignment": ["FA (layer-wise)", "DFA", "x"],
}
TEXTS = "return Array.from(document.querySelectorAll('text')).map(t => t.textContent)"
SIM_TIME = "return document.getElementById('ticks_tr').innerText"


def free_port():
    with socket.socket() as sock:
        sock.bind(("localhost", 0))
        return sock.getsockname()[1]


@pytest.fixture
def gui():
    """Serve an example with Nengo GUI; yield a function opening it in Chromium."""
    servers, browsers = [], []

    def open_example(name):
        command = [sys.executable, "-m", "nengo_gui.main", "--no-browser"]
        command += ["--auto-shutdown", "0", "-P", str(free_port()), str(EXAMPLES / f"{name}.py")]
        server = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        servers.append(server)
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
            "--disable-dev-shm-usage",
            "--disable-background-networking",
            "--no-first-run",
            "--disable-component-update",
            "--disable-sync",
            "--window-size=1400,900",
        ):
            options.add_argument(flag)
        browser = webdriver.Chrome(
            service=webdriver.chrome.service.Service(DRIVER), options=options
        )
        browsers.append(browser)
        browser.get(url)
        return browser, server

    yield open_example
    for browser in browsers:
        browser.quit()
    for server in servers:
        server.terminate()
        server.communicate(timeout=10)


def wait_for(condition, timeout=60.0):
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


@pytest.mark.parametrize("name", sorted(LABELS))
def test_example_runs_in_nengo_gui(gui, name):
    browser, server = gui(name)

    def shown(label):
        return any(label in text for text in browser.execute_script(TEXTS) or [])

    wait_for(lambda: all(shown(label) for label in LABELS[name]))
    wait_for(lambda: browser.find_elements("id", "pause_button")).pop().click()
    wait_for(lambda: simulated_time(browser) > 0.3)
    if name == "classify_digits":  # the HTML view of the digit and the guess
        wait_for(lambda: browser.page_source.count("<rect x=") >= 64)
        assert "guess" in browser.page_source
    assert server.poll() is None, "the Nengo GUI server stopped"
    server.terminate()
    output = server.communicate(timeout=10)[0]
    assert "Traceback" not in output, output
