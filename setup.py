from pathlib import Path

from setuptools import find_packages, setup

setup(
    name="nengo-fa",
    version="0.1.0",
    description=(
        "Error-driven encoder and bias learning rules for Nengo: backpropagation "
        "through live decoders and feedback alignment"
    ),
    long_description=Path(__file__).with_name("README.md").read_text(encoding="utf-8"),
    long_description_content_type="text/markdown",
    packages=find_packages(include=["nengo_fa", "nengo_fa.*"]),
    python_requires=">=3.9",
    install_requires=["nengo>=4.1,<5", "numpy>=1.24", "scipy>=1.10", "threadpoolctl>=3"],
    extras_require={
        "tests": [
            "pytest>=7",
            "pytest-allclose>=1.0",
            "pytest-plt>=1.1",
            "pytest-rng>=1.0",
            "hypothesis>=6",
            "matplotlib>=3.5",
            "scikit-learn>=1.0",
            "nengo-ocl>=3.0",
            "pyopencl[pocl]>=2022.1",
            # tests/test_docs.py
            "sphinx>=7,<10",
            "numpydoc>=1.6",
            "furo>=2024.1.29",
            # tests/test_gui.py (also needs Debian's chromium and chromium-driver)
            "nengo-gui>=0.6",
            "selenium>=4",
        ],
        "ocl": ["nengo-ocl>=3.0", "pyopencl[pocl]>=2022.1"],
        "examples": ["matplotlib>=3.5", "scikit-learn>=1.0"],
        "datasets": ["scikit-learn>=1.0"],
        "gui": ["nengo-gui>=0.6"],
        "docs": ["sphinx>=7,<10", "numpydoc>=1.6", "furo>=2024.1.29"],
    },
    license="MIT",
    classifiers=[
        "Framework :: Nengo",
        "Programming Language :: Python :: 3",
        "Topic :: Scientific/Engineering :: Artificial Intelligence",
    ],
)
