"""Loaders for MNIST, Fashion-MNIST and scikit-learn's 8x8 digits.

MNIST and Fashion-MNIST are read from the four standard IDX files
(``train-images-idx3-ubyte``, ``train-labels-idx1-ubyte``,
``t10k-images-idx3-ubyte``, ``t10k-labels-idx1-ubyte``), each either plain or
gzipped. `load_mnist` and `load_fashion_mnist` look for them, in this order:

1. the ``path`` argument, if given (then no other place is searched);
2. the directory named by the environment variable ``NENGO_FA_MNIST`` or
   ``NENGO_FA_FASHION_MNIST``;
3. the user cache directory, see `get_cache_dir`;
4. for Fashion-MNIST, ``/usr/share/datasets/fashion-mnist``, where the Debian
   package ``dataset-fashion-mnist`` installs it;
5. with ``download=True``, the official mirror: the files are downloaded into
   the cache directory (or ``path``) and their MD5 checksums verified.

`load_digits` gives scikit-learn's bundled 8x8 digits in the same form, for
tests and quick demos without any download.
"""

from __future__ import annotations

import gzip
import hashlib
import http.client
import logging
import math
import operator
import os
import struct
import tempfile
import urllib.request
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

__all__ = [
    "DEBIAN_FASHION_MNIST_DIR",
    "FASHION_MNIST_CLASSES",
    "IDX_FILES",
    "MNIST_CLASSES",
    "CorruptFileError",
    "Dataset",
    "DatasetNotFoundError",
    "DownloadError",
    "get_cache_dir",
    "load_digits",
    "load_fashion_mnist",
    "load_mnist",
    "read_idx",
    "load_standardized",
    "standardize",
]

_logger = logging.getLogger(__name__)

#: Class names of MNIST (the digits) and of scikit-learn's 8x8 digits.
MNIST_CLASSES = tuple(str(digit) for digit in range(10))

#: Class names of Fashion-MNIST, indexed by label.
FASHION_MNIST_CLASSES = (
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
)

#: Where the Debian package ``dataset-fashion-mnist`` installs the gzipped IDX files.
DEBIAN_FASHION_MNIST_DIR = Path("/usr/share/datasets/fashion-mnist")

#: The four IDX files of MNIST and Fashion-MNIST, without the optional ``.gz``.
IDX_FILES = (
    "train-images-idx3-ubyte",
    "train-labels-idx1-ubyte",
    "t10k-images-idx3-ubyte",
    "t10k-labels-idx1-ubyte",
)

_ENV_VARS = {"mnist": "NENGO_FA_MNIST", "fashion-mnist": "NENGO_FA_FASHION_MNIST"}
_TITLES = {"mnist": "MNIST", "fashion-mnist": "Fashion-MNIST"}

# Base URLs tried in order; each file is fetched as <base><name>.gz.
_MIRRORS = {
    "mnist": ("https://ossci-datasets.s3.amazonaws.com/mnist/",),
    "fashion-mnist": ("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",),
}

# MD5 checksums of the gzipped files as served by the mirrors above.
# MNIST: the `resources` list of torchvision/datasets/mnist.py (pytorch/vision).
# Fashion-MNIST: the "Get the Data" table of the README of zalandoresearch/fashion-mnist
# (torchvision's FashionMNIST lists the same values). Only downloads are checked: Debian's
# dataset-fashion-mnist recompresses the files, so its .gz files have other checksums.
_MD5 = {
    "mnist": {
        "train-images-idx3-ubyte.gz": "f68b3c2dcbeaaa9fbdd348bbdeb94873",
        "train-labels-idx1-ubyte.gz": "d53e105ee54ea40749a09fcbcd1e9432",
        "t10k-images-idx3-ubyte.gz": "9fb629c4189551a2d022fa330f9573f3",
        "t10k-labels-idx1-ubyte.gz": "ec29112dd5afa0611ce80d1b7f02629c",
    },
    "fashion-mnist": {
        "train-images-idx3-ubyte.gz": "8d4fb7e6c68d591d4c3dfef9ec88bf0d",
        "train-labels-idx1-ubyte.gz": "25c81989df183df01b3e8a0aad5dffbe",
        "t10k-images-idx3-ubyte.gz": "bef4ecab320f06d8554ea6380940ec79",
        "t10k-labels-idx1-ubyte.gz": "bb300cfdad3c16e7a12a480ee83cd310",
    },
}

_DOWNLOAD_TIMEOUT = 60.0
_CHUNK_SIZE = 1 << 20

# IDX type codes and their big-endian element types.
_IDX_DTYPES = {
    0x08: np.dtype(">u1"),
    0x09: np.dtype(">i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}
_GZIP_MAGIC = b"\x1f\x8b"


class DatasetNotFoundError(FileNotFoundError):
    """No complete copy of a dataset was found and none was downloaded."""


class CorruptFileError(ValueError):
    """A dataset file exists but cannot be parsed or does not match its dataset."""


class DownloadError(OSError):
    """Downloading a dataset file failed or gave a file with the wrong checksum."""


@dataclass(frozen=True, eq=False)
class Dataset:
    """A classification dataset split into training and test sets.

    Iterating gives ``x_train, y_train, x_test, y_test``, so the result can be
    unpacked like a 4-tuple.

    Attributes
    ----------
    x_train, x_test : ndarray
        Inputs, float32 in [0, 1], shape ``(n, n_features)`` or ``(n, rows, cols)``.
    y_train, y_test : ndarray
        Integer labels (int64), shape ``(n,)``, indexing `classes`.
    classes : tuple of str
        Class names.
    name : str
        Short name of the dataset, e.g. ``"fashion-mnist"``.
    """

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    classes: tuple[str, ...]
    name: str

    def __iter__(self):
        return iter((self.x_train, self.y_train, self.x_test, self.y_test))


def _corrupt(path, reason):
    return CorruptFileError(
        f"{path} is corrupt: {reason}. Delete it and provide a good copy (download it "
        "again, e.g. with download=True, or reinstall the package that installed it)."
    )


def _read_maybe_gzipped(path):
    with open(path, "rb") as file:
        data = file.read()
    if not data.startswith(_GZIP_MAGIC):
        return data
    try:
        return gzip.decompress(data)
    except (OSError, EOFError, zlib.error) as error:
        raise _corrupt(
            path, f"invalid gzip data ({str(error) or type(error).__name__})"
        ) from error


def read_idx(path):
    """Read one IDX file, plain or gzipped.

    Gzip compression is recognised by the file's first bytes, whatever its name.

    Parameters
    ----------
    path : str or path-like
        The IDX file.

    Returns
    -------
    ndarray
        The array with the file's shape and element type, in native byte order.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    CorruptFileError
        If the magic number or type code is invalid, the gzip stream is broken,
        or the data is shorter or longer than the dimensions say.
    """
    data = _read_maybe_gzipped(path)
    if len(data) < 4:
        raise _corrupt(path, f"it has {len(data)} bytes, fewer than the 4-byte IDX magic number")
    if data[:2] != b"\x00\x00":
        raise _corrupt(path, f"bad IDX magic number 0x{data[:4].hex()} (must start with 0x0000)")
    type_code, ndim = data[2], data[3]
    if type_code not in _IDX_DTYPES:
        raise _corrupt(path, f"unknown IDX type code 0x{type_code:02x}")
    dtype = _IDX_DTYPES[type_code]
    header_size = 4 + 4 * ndim
    if len(data) < header_size:
        raise _corrupt(path, f"the header is truncated ({len(data)} of {header_size} bytes)")
    shape = struct.unpack(f">{ndim}I", data[4:header_size])
    count = math.prod(shape)
    expected = count * dtype.itemsize
    actual = len(data) - header_size
    if actual != expected:
        problem = "truncated" if actual < expected else "followed by extra bytes"
        raise _corrupt(
            path,
            f"the data is {problem}: shape {shape} of {dtype.name} needs {expected} bytes, "
            f"found {actual}",
        )
    array = np.frombuffer(data, dtype=dtype, count=count, offset=header_size)
    return array.reshape(shape).astype(dtype.newbyteorder("="))


def get_cache_dir(name=None):
    """The user cache directory of nengo_fa's datasets.

    This is ``$NENGO_FA_CACHE`` if that is set, otherwise
    ``$XDG_CACHE_HOME/nengo_fa``, otherwise ``~/.cache/nengo_fa``.

    Parameters
    ----------
    name : str, optional
        A dataset name (``"mnist"`` or ``"fashion-mnist"``) to get its subdirectory.

    Returns
    -------
    Path
        The directory; it is not created.
    """
    if os.environ.get("NENGO_FA_CACHE"):
        root = Path(os.environ["NENGO_FA_CACHE"]).expanduser()
    elif os.environ.get("XDG_CACHE_HOME"):
        root = Path(os.environ["XDG_CACHE_HOME"]).expanduser() / "nengo_fa"
    else:
        root = Path.home() / ".cache" / "nengo_fa"
    return root if name is None else root / name


def _find_files(directory):
    """Map each IDX file name to its path in ``directory`` (plain preferred) or None."""
    found = {}
    for stem in IDX_FILES:
        candidates = [directory / stem, directory / f"{stem}.gz"]
        found[stem] = next((path for path in candidates if path.is_file()), None)
    return found


def _describe(directory, found):
    if not directory.is_dir():
        return "does not exist" if not directory.exists() else "is not a directory"
    missing = [f"{stem}[.gz]" for stem, path in found.items() if path is None]
    return "missing " + ", ".join(missing)


def _search_places(name, path):
    """The (directory, description) pairs to search, in order; directory None if unset."""
    if path is not None:
        return [(Path(path).expanduser(), "path argument")]
    env_var = _ENV_VARS[name]
    if os.environ.get(env_var):
        places = [(Path(os.environ[env_var]).expanduser(), f"${env_var}")]
    else:
        places = [(None, f"${env_var} is not set")]
    places.append((get_cache_dir(name), "cache directory"))
    if name == "fashion-mnist":
        places.append((DEBIAN_FASHION_MNIST_DIR, "Debian package dataset-fashion-mnist"))
    return places


def _locate(name, path, download):
    """Find the four IDX files of dataset ``name``, downloading them if allowed."""
    places = _search_places(name, path)
    report = []
    for directory, description in places:
        if directory is None:
            report.append(f"  - {description}")
            continue
        found = _find_files(directory)
        if all(found.values()):
            return found
        report.append(f"  - {directory} ({description}): {_describe(directory, found)}")
    target = places[0][0] if path is not None else get_cache_dir(name)
    if download:
        _download(name, target)
        return _find_files(target)

    title = _TITLES[name]
    hints = [f"  - pass download=True to download them into {target} (checksums are verified)"]
    if path is None:
        hints.append(
            f"  - pass path=DIR or set the environment variable {_ENV_VARS[name]}=DIR "
            "to a directory holding them"
        )
    else:
        hints.append("  - copy them into that directory, or leave out path to search elsewhere")
    if name == "fashion-mnist":
        hints.append("  - on Debian or Ubuntu: apt-get install dataset-fashion-mnist")
    files = ", ".join(IDX_FILES)
    raise DatasetNotFoundError(
        f"{title} not found. Searched:\n"
        + "\n".join(report)
        + f"\nProvide the files {files} (each plain or gzipped as .gz):\n"
        + "\n".join(hints)
    )


def _urlopen(url, timeout):
    return urllib.request.urlopen(url, timeout=timeout)


def _fetch_verified(url, destination, md5):
    """Download ``url`` to ``destination`` atomically, only if its MD5 is ``md5``."""
    fd, temporary = tempfile.mkstemp(
        prefix=f".{destination.name}.", suffix=".part", dir=destination.parent
    )
    try:
        digest = hashlib.md5(usedforsecurity=False)
        try:
            with os.fdopen(fd, "wb") as out, _urlopen(url, timeout=_DOWNLOAD_TIMEOUT) as response:
                while chunk := response.read(_CHUNK_SIZE):
                    digest.update(chunk)
                    out.write(chunk)
        except (OSError, http.client.HTTPException) as error:
            raise DownloadError(str(error) or type(error).__name__) from error
        if digest.hexdigest() != md5:
            raise DownloadError(f"checksum mismatch: MD5 {digest.hexdigest()}, expected {md5}")
        os.replace(temporary, destination)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _download(name, directory):
    """Download the missing IDX files of dataset ``name`` into ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    for stem, existing in _find_files(directory).items():
        if existing is not None:
            continue
        filename = f"{stem}.gz"
        destination = directory / filename
        failures = []
        for base in _MIRRORS[name]:
            url = base + filename
            _logger.info("Downloading %s to %s", url, destination)
            try:
                _fetch_verified(url, destination, _MD5[name][filename])
                break
            except DownloadError as error:
                failures.append(f"  - {url}: {error}")
        else:
            raise DownloadError(
                f"Could not download {_TITLES[name]} file {filename} into {directory}:\n"
                + "\n".join(failures)
                + f"\nCheck the network connection, or put the files there yourself "
                f"(or in a directory named by ${_ENV_VARS[name]})."
            )


def _first(array, n, argument):
    if n is None:
        return array
    n = operator.index(n)
    if not 0 <= n <= len(array):
        raise ValueError(f"{argument} must be in [0, {len(array)}], got {n}")
    return array[:n]


def _idx_split(files, images_stem, labels_stem, n, argument, classes):
    images_path, labels_path = files[images_stem], files[labels_stem]
    images, labels = read_idx(images_path), read_idx(labels_path)
    if images.ndim != 3 or images.dtype != np.uint8:
        raise _corrupt(
            images_path, f"expected 3-D ubyte images, got {images.ndim}-D {images.dtype}"
        )
    if labels.ndim != 1 or labels.dtype != np.uint8:
        raise _corrupt(
            labels_path, f"expected 1-D ubyte labels, got {labels.ndim}-D {labels.dtype}"
        )
    if len(images) != len(labels):
        raise CorruptFileError(
            f"{images_path} has {len(images)} images but {labels_path} has {len(labels)} "
            "labels. Delete both and provide good copies."
        )
    if len(labels) and labels.max() >= len(classes):
        raise _corrupt(labels_path, f"label {labels.max()} is not below {len(classes)}")
    images, labels = _first(images, n, argument), _first(labels, n, argument)
    return images.astype(np.float32) / np.float32(255), labels.astype(np.int64)


def _load_idx_dataset(name, classes, path, download, flatten, n_train, n_test):
    files = _locate(name, path, download)
    x_train, y_train = _idx_split(
        files, "train-images-idx3-ubyte", "train-labels-idx1-ubyte", n_train, "n_train", classes
    )
    x_test, y_test = _idx_split(
        files, "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte", n_test, "n_test", classes
    )
    if flatten:
        n_pixels = int(np.prod(x_train.shape[1:]))
        x_train = x_train.reshape(len(x_train), n_pixels)
        x_test = x_test.reshape(len(x_test), n_pixels)
    return Dataset(x_train, y_train, x_test, y_test, classes, name)


_IDX_LOADER_DOC = """
    Parameters
    ----------
    path : str or path-like, optional
        Directory holding the four IDX files. If given, no other place is searched
        and ``download=True`` downloads into it.
    download : bool, optional
        Download the missing files from the official mirror, verifying their
        checksums, if the dataset is found nowhere.
    flatten : bool, optional
        Return images as rows of 784 pixels; if False, as 28x28 arrays.
    n_train, n_test : int, optional
        Keep only the first ``n_train`` training and ``n_test`` test samples.

    Returns
    -------
    Dataset
        ``x`` float32 in [0, 1], shape ``(n, 784)`` or ``(n, 28, 28)``;
        ``y`` int64 labels in 0..9.

    Raises
    ------
    DatasetNotFoundError
        If the files are found nowhere and ``download`` is False. The message
        lists every place searched and how to provide the files.
    DownloadError
        If a download fails or its checksum does not match.
    CorruptFileError
        If a file is unreadable or inconsistent.
"""


def _with_loader_doc(function):
    """Append the parameters, return value and errors the IDX loaders share."""
    function.__doc__ = function.__doc__.rstrip() + "\n" + _IDX_LOADER_DOC
    return function


@_with_loader_doc
def load_mnist(path=None, download=False, flatten=True, n_train=None, n_test=None):
    """Load MNIST handwritten digits (60000 training and 10000 test images).

    Searched in ``path`` if given, else in ``$NENGO_FA_MNIST``, then in the cache
    directory (`get_cache_dir`).
    """
    return _load_idx_dataset("mnist", MNIST_CLASSES, path, download, flatten, n_train, n_test)


@_with_loader_doc
def load_fashion_mnist(path=None, download=False, flatten=True, n_train=None, n_test=None):
    """Load Fashion-MNIST (60000 training and 10000 test images of clothing).

    Searched in ``path`` if given, else in ``$NENGO_FA_FASHION_MNIST``, then in the
    cache directory (`get_cache_dir`), then in `DEBIAN_FASHION_MNIST_DIR`. The
    class names are in the result's ``classes``.
    """
    return _load_idx_dataset(
        "fashion-mnist", FASHION_MNIST_CLASSES, path, download, flatten, n_train, n_test
    )


def load_digits(test_size=0.25, seed=0, flatten=True, n_train=None, n_test=None):
    """Load scikit-learn's bundled 8x8 digits (1797 images), split into train and test.

    Needs scikit-learn (``pip install scikit-learn`` or ``pip install nengo-fa[datasets]``);
    nothing is downloaded.

    Parameters
    ----------
    test_size : float or int, optional
        Fraction (or number) of samples in the test set.
    seed : int, optional
        Seed of the shuffled, stratified split; the same seed gives the same split.
    flatten : bool, optional
        Return images as rows of 64 pixels; if False, as 8x8 arrays.
    n_train, n_test : int, optional
        Keep only the first ``n_train`` training and ``n_test`` test samples.

    Returns
    -------
    Dataset
        ``x`` float32 in [0, 1] (pixel values divided by 16), ``y`` int64 labels in 0..9.

    Raises
    ------
    ImportError
        If scikit-learn is not installed.
    """
    try:
        from sklearn.datasets import load_digits as sklearn_load_digits
        from sklearn.model_selection import train_test_split
    except ImportError as error:
        raise ImportError(
            "load_digits needs scikit-learn: pip install scikit-learn "
            "(or pip install nengo-fa[datasets])"
        ) from error

    bunch = sklearn_load_digits()
    x = bunch.images if not flatten else bunch.data
    x = x.astype(np.float32) / np.float32(16)
    y = bunch.target.astype(np.int64)
    x_train, x_test, y_train, y_test = train_test_split(
        x, y, test_size=test_size, random_state=seed, stratify=y
    )
    x_train, y_train = _first(x_train, n_train, "n_train"), _first(y_train, n_train, "n_train")
    x_test, y_test = _first(x_test, n_test, "n_test"), _first(y_test, n_test, "n_test")
    return Dataset(x_train, y_train, x_test, y_test, MNIST_CLASSES, "digits")


def standardize(train, *others, floor=0.1):
    """Scale every input dimension by the training set's mean and spread.

    Returns ``[(x - mean) / (std + floor) for x in (train, *others)]``, with the
    mean and standard deviation of ``train``; ``floor`` keeps nearly constant
    pixels (the borders of the images) from being blown up.
    """
    train = np.asarray(train, dtype=float)
    mean, spread = train.mean(axis=0), train.std(axis=0) + floor
    return [(np.asarray(x, dtype=float) - mean) / spread for x in (train, *others)]


def load_standardized(name, n_train=None, n_test=None, **kwargs):
    """``(x_train, y_train, x_test, y_test)`` of a dataset, inputs standardized (`standardize`).

    ``name`` is ``"fashion-mnist"``, ``"mnist"`` or ``"digits"``; the other
    arguments go to its loader.
    """
    loaders = {"fashion-mnist": load_fashion_mnist, "mnist": load_mnist, "digits": load_digits}
    if name not in loaders:
        raise ValueError(f"dataset must be one of {sorted(loaders)}, got {name!r}")
    data = loaders[name](n_train=n_train, n_test=n_test, **kwargs)
    x_train, x_test = standardize(data.x_train, data.x_test)
    return x_train, data.y_train, x_test, data.y_test
