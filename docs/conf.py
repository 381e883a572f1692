"""Sphinx configuration of the nengo-fa documentation.

Build it with ``sphinx-build -W -b html docs docs/_build/html`` (see the README).
Nothing here runs an example or a benchmark: example pages are generated from
the scripts' sources and the committed figures (``_ext/nengo_fa_docs.py``), and
the measured tables are read from the benchmark outputs in ``docs/results/``.
"""

import importlib.util
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
sys.path.insert(0, str(DOCS / "_ext"))
sys.path.insert(0, str(DOCS.parent))  # document the working tree, installed or not

import nengo_fa  # noqa: E402

project = "nengo-fa"
author = "nengo-fa developers"
copyright = "nengo-fa developers"  # noqa: A001
release = nengo_fa.__version__
version = ".".join(release.split(".")[:2])

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
    "numpydoc",
    "nengo_fa_docs",
]

exclude_patterns = ["_build"]
default_role = "py:obj"
nitpicky = True  # every cross-reference to nengo_fa must resolve (see nengo_fa_docs)
pygments_style = "friendly"

# -- autodoc / autosummary / numpydoc
autodoc_member_order = "bysource"
autodoc_default_options = {"show-inheritance": True}
autodoc_typehints = "none"
autoclass_content = "class"  # the class docstrings hold the parameters (numpydoc)
autosummary_generate = False  # the reference pages are written out, see api/
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False

# nengo_fa.ocl needs nengo-ocl and pyopencl: document it without them if they are missing.
_OCL_MODULES = ["nengo_ocl", "pyopencl", "mako"]
_ocl_missing = [module for module in _OCL_MODULES if importlib.util.find_spec(module) is None]
autodoc_mock_imports = _OCL_MODULES if _ocl_missing else []
# nengo_fa.dl needs nengo-dl and TensorFlow, which live in their own environment.
_DL_MODULES = ["nengo_dl", "tensorflow"]
if any(importlib.util.find_spec(module) is None for module in _DL_MODULES):
    autodoc_mock_imports += _DL_MODULES

# -- HTML: Furo (self-contained; nengo-sphinx-theme 20.9 fails to render on Sphinx >= 7 and
# loads its stylesheet and scripts from nengo.ai and CDNs)
html_theme = "furo"
html_title = f"nengo-fa {release}"
html_static_path = ["_static"]
html_css_files = ["custom.css"]
html_show_sphinx = False
html_copy_source = False
html_theme_options = {"navigation_with_keys": True}

# -- nengo_fa_docs: one page per example, made from the script and the committed figures.
# Every script in examples/ needs an entry (the build fails otherwise), and every
# figure named here must exist in docs/figures/.
nengo_fa_examples = {
    "learn_product": {
        "figures": [
            (
                "gui_learn_product.png",
                "The example in Nengo GUI as it opens: each learner's output against the "
                "target, their RMS errors, and the learning slider.",
            ),
            (
                "learn_product.png",
                "Online error of PES alone, feedback alignment and backprop learning x0 * x1 "
                "with 10 ReLU neurons (``--time 200``, seed 0).",
            ),
        ],
        "command": "python examples/learn_product.py --time 200 "
        "--output docs/figures/learn_product.png",
        "see_also": ["benchmarks/product"],
    },
    "classify_digits": {
        "figures": [
            (
                "gui_classify_digits.png",
                "The example in Nengo GUI: the current digit with the network's guess, "
                "the running accuracy and squared error, and the learning slider.",
            ),
            (
                "classify_digits_learning_curves.png",
                "Running accuracy of the 64-200-10 benchmark version "
                "(``benchmarks/classify.py digits``) with PES only, FA and BP.",
            ),
        ],
        "results": ["classify_digits.txt"],
        "see_also": ["benchmarks/classification"],
    },
    "compare_rules": {
        "figures": [
            ("compare_rules.png", "Test accuracy, alignment with backprop and gradient SNR."),
            (
                "compare_rules_angles.png",
                "Per-sample angle between each rule's update of the hidden layer and the "
                "exact backprop update at the same state.",
            ),
        ],
        "results": ["compare_rules.txt"],
        "see_also": ["benchmarks/reference"],
    },
    "fa_vs_bp_two_hidden": {
        "figures": [
            ("fa_vs_bp_angles.png", "Angle between FA's and backprop's update of each layer."),
            ("fa_vs_bp_accuracy.png", "Running training and test accuracy of BP and FA."),
            (
                "fa_vs_bp_receptive_fields.png",
                "Receptive fields: the first hidden layer's learned encoders as 28 x 28 images.",
            ),
            (
                "fa_vs_bp_tsne.png",
                "t-SNE of both hidden layers' activities on test images, coloured by class.",
            ),
        ],
        "results": ["fa_vs_bp_two_hidden.txt"],
        "see_also": ["benchmarks/reference"],
    },
    "student_teacher": {
        "figures": [
            ("student_teacher_fa.png", "Order parameters R, Q and F under feedback alignment."),
            ("student_teacher_bp.png", "The same overlaps under backprop."),
            ("student_teacher_eps_g.png", "Exact generalization error of both rules."),
            ("student_teacher_alignment.png", "F = cos(v, b) over training for both rules."),
        ],
        "results": ["student_teacher.txt"],
        "see_also": ["benchmarks/reference"],
    },
    "linear_alignment": {
        "figures": [
            ("linear_alignment_angles.png", "Update angles of FA and DFA in both layers."),
            ("linear_alignment_loss.png", "Expected loss over training."),
        ],
        "results": ["linear_alignment.txt"],
        "see_also": ["benchmarks/reference"],
    },
}

# Public names of modules written on other branches: references to them go to the label
# of the section that describes them, until their reference is generated here.
nengo_fa_pending = {"nengo_fa.dl": "backends-dl"}

# Every name in the __all__ of these modules must be documented under that module's name.
nengo_fa_public_modules = [
    "nengo_fa",
    "nengo_fa.networks",
    "nengo_fa.builder",
    "nengo_fa.datasets",
    "nengo_fa.metrics",
    "nengo_fa.plots",
]
