"""Nengo's own pytest plugin (``pytest_nengo``, shipped with nengo), for running its test suite.

Its ``pytest_report_collectionfinish`` hook takes ``startdir``, which pytest 8
removed, so pytest refuses the plugin; this module registers everything else
from it unchanged. Used by ``test_nengo_core.py`` with ``-p nengo_core_plugin``.
"""

import pytest_nengo

pytest_configure = pytest_nengo.pytest_configure
pytest_addoption = pytest_nengo.pytest_addoption
pytest_generate_tests = pytest_nengo.pytest_generate_tests
pytest_collection_modifyitems = pytest_nengo.pytest_collection_modifyitems
pytest_runtest_setup = pytest_nengo.pytest_runtest_setup
pytest_terminal_summary = pytest_nengo.pytest_terminal_summary
Simulator = pytest_nengo.Simulator
