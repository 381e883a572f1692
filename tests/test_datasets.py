"""Dataset loaders: IDX parsing, search locations, downloads (faked) and the digits."""

import gzip
import hashlib
import http.client
import io
import re
import struct
import sys
import urllib.error

import numpy as np
import pytest

from nengo_fa import datasets

REAL_DEBIAN_DIR = datasets.DEBIAN_FASHION_MNIST_DIR

IDX_CODES = {
    np.dtype(np.uint8): 0x08,
    np.dtype(np.int8): 0x09,
    np.dtype(np.int16): 0x0B,
    np.dtype(np.int32): 0x0C,
    np.dtype(np.float32): 0x0D,
    np.dtype(np.float64): 0x0E,
}


def idx_bytes(array):
    """The IDX encoding of ``array``: magic number, big-endian dims, big-endian data."""
    array = np.asarray(array)
    header = bytes([0, 0, IDX_CODES[array.dtype], array.ndim])
    dims = struct.pack(f">{array.ndim}I", *array.shape)
    return header + dims + array.astype(array.dtype.newbyteorder(">")).tobytes()


def write_idx(path, array, compress=False):
    data = idx_bytes(array)
    path.write_bytes(gzip.compress(data, mtime=0) if compress else data)
    return path


def make_dataset(directory, n_train=5, n_test=3, compress=False, seed=0):
    """Write the four IDX files of a tiny 28x28 dataset; return its uint8 arrays."""
    rng = np.random.default_rng(seed)
    arrays = {
        "train-images-idx3-ubyte": rng.integers(0, 256, (n_train, 28, 28), dtype=np.uint8),
        "train-labels-idx1-ubyte": rng.integers(0, 10, n_train, dtype=np.uint8),
        "t10k-images-idx3-ubyte": rng.integers(0, 256, (n_test, 28, 28), dtype=np.uint8),
        "t10k-labels-idx1-ubyte": rng.integers(0, 10, n_test, dtype=np.uint8),
    }
    directory.mkdir(parents=True, exist_ok=True)
    for stem, array in arrays.items():
        write_idx(directory / (f"{stem}.gz" if compress else stem), array, compress)
    return arrays


def make_mirror(directory, name, monkeypatch, seed=0):
    """Serve a tiny dataset as gzipped files at a file:// mirror with matching checksums."""
    arrays = make_dataset(directory, compress=True, seed=seed)
    checksums = {
        path.name: hashlib.md5(path.read_bytes()).hexdigest() for path in directory.iterdir()
    }
    monkeypatch.setitem(datasets._MIRRORS, name, (directory.as_uri() + "/",))
    monkeypatch.setitem(datasets._MD5, name, checksums)
    return arrays


def no_network(url, timeout):
    raise AssertionError(f"unexpected download of {url}")


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch):
    """Keep every test away from the real environment, cache, Debian files and network."""
    for var in ("NENGO_FA_MNIST", "NENGO_FA_FASHION_MNIST", "XDG_CACHE_HOME"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("NENGO_FA_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(datasets, "DEBIAN_FASHION_MNIST_DIR", tmp_path / "debian")
    monkeypatch.setattr(datasets, "_urlopen", no_network)


def assert_matches(dataset, arrays, flatten=True):
    n_train, n_test = len(dataset.y_train), len(dataset.y_test)
    x_train = arrays["train-images-idx3-ubyte"][:n_train] / 255
    x_test = arrays["t10k-images-idx3-ubyte"][:n_test] / 255
    if flatten:
        x_train, x_test = x_train.reshape(n_train, 784), x_test.reshape(n_test, 784)
    np.testing.assert_allclose(dataset.x_train, x_train, rtol=1e-6)
    np.testing.assert_allclose(dataset.x_test, x_test, rtol=1e-6)
    np.testing.assert_array_equal(dataset.y_train, arrays["train-labels-idx1-ubyte"][:n_train])
    np.testing.assert_array_equal(dataset.y_test, arrays["t10k-labels-idx1-ubyte"][:n_test])


# read_idx


@pytest.mark.parametrize("compress", [False, True])
@pytest.mark.parametrize("dtype", list(IDX_CODES))
def test_read_idx_round_trip(tmp_path, dtype, compress):
    offset = 0 if dtype.kind == "u" else -7
    array = (np.arange(24).reshape(2, 3, 4) + offset).astype(dtype)
    result = datasets.read_idx(write_idx(tmp_path / "data", array, compress))
    assert result.dtype == dtype and result.dtype.isnative
    assert result.shape == (2, 3, 4)
    np.testing.assert_array_equal(result, array)
    result[0, 0, 0] = 1  # the array owns writable memory


def test_read_idx_detects_gzip_by_content_not_name(tmp_path):
    array = np.arange(6, dtype=np.int16).reshape(2, 3)
    gzipped_no_suffix = write_idx(tmp_path / "plain-name", array, compress=True)
    plain_gz_suffix = write_idx(tmp_path / "looks.gz", array, compress=False)
    np.testing.assert_array_equal(datasets.read_idx(gzipped_no_suffix), array)
    np.testing.assert_array_equal(datasets.read_idx(str(plain_gz_suffix)), array)


def test_read_idx_one_dimensional_labels(tmp_path):
    labels = np.array([3, 1, 4, 1, 5], dtype=np.uint8)
    np.testing.assert_array_equal(datasets.read_idx(write_idx(tmp_path / "l", labels)), labels)


def assert_corrupt(path, *patterns):
    with pytest.raises(datasets.CorruptFileError) as info:
        datasets.read_idx(path)
    message = str(info.value)
    assert str(path) in message
    assert "corrupt" in message and "Delete it" in message
    for pattern in patterns:
        assert re.search(pattern, message), message


def test_read_idx_bad_magic(tmp_path):
    path = tmp_path / "bad-magic"
    path.write_bytes(b"\x01\x00" + idx_bytes(np.zeros(4, np.uint8))[2:])
    assert_corrupt(path, "magic number")


def test_read_idx_unknown_type_code(tmp_path):
    path = tmp_path / "bad-type"
    path.write_bytes(b"\x00\x00\x07\x01" + struct.pack(">I", 1) + b"\x00")
    assert_corrupt(path, "type code 0x07")


@pytest.mark.parametrize("data", [b"", b"\x00\x00", b"\x00\x00\x08\x03\x00\x00\x00\x05"])
def test_read_idx_truncated_header(tmp_path, data):
    path = tmp_path / "short"
    path.write_bytes(data)
    assert_corrupt(path)


@pytest.mark.parametrize("compress", [False, True])
def test_read_idx_truncated_payload(tmp_path, compress):
    data = idx_bytes(np.zeros((3, 28, 28), np.uint8))[:-10]
    path = tmp_path / "truncated"
    path.write_bytes(gzip.compress(data) if compress else data)
    assert_corrupt(path, "truncated", "2352 bytes, found 2342")


def test_read_idx_extra_bytes(tmp_path):
    path = tmp_path / "extra"
    path.write_bytes(idx_bytes(np.zeros(4, np.float32)) + b"\x00")
    assert_corrupt(path, "extra bytes")


def test_read_idx_truncated_gzip_stream(tmp_path):
    data = gzip.compress(idx_bytes(np.arange(100, dtype=np.uint8)))
    path = tmp_path / "cut.gz"
    path.write_bytes(data[: len(data) // 2])
    assert_corrupt(path, "gzip")


def test_read_idx_bad_gzip_checksum(tmp_path):
    data = bytearray(gzip.compress(idx_bytes(np.arange(100, dtype=np.uint8))))
    data[-8] ^= 0xFF  # the CRC-32 of the uncompressed data
    path = tmp_path / "crc.gz"
    path.write_bytes(bytes(data))
    assert_corrupt(path, "gzip")


def test_read_idx_garbage_after_gzip_magic(tmp_path):
    path = tmp_path / "garbage"
    path.write_bytes(b"\x1f\x8b" + b"not a gzip stream at all")
    assert_corrupt(path, "gzip")


def test_read_idx_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError):
        datasets.read_idx(tmp_path / "absent")


# Loading from each location


@pytest.mark.parametrize("compress", [False, True])
def test_load_from_explicit_path(tmp_path, compress):
    arrays = make_dataset(tmp_path / "data", compress=compress)
    dataset = datasets.load_fashion_mnist(tmp_path / "data")
    assert dataset.x_train.shape == (5, 784) and dataset.x_test.shape == (3, 784)
    assert dataset.x_train.dtype == np.float32 and dataset.y_train.dtype == np.int64
    assert 0 <= dataset.x_train.min() and dataset.x_train.max() <= 1
    assert dataset.classes == datasets.FASHION_MNIST_CLASSES
    assert dataset.classes[0] == "T-shirt/top" and dataset.classes[9] == "Ankle boot"
    assert dataset.name == "fashion-mnist"
    assert_matches(dataset, arrays)
    x_train, y_train, x_test, y_test = dataset
    assert x_train is dataset.x_train and y_test is dataset.y_test


def test_load_unflattened_and_mixed_compression(tmp_path):
    arrays = make_dataset(tmp_path, compress=True)
    (tmp_path / "t10k-labels-idx1-ubyte.gz").unlink()
    write_idx(tmp_path / "t10k-labels-idx1-ubyte", arrays["t10k-labels-idx1-ubyte"])
    dataset = datasets.load_mnist(str(tmp_path), flatten=False)
    assert dataset.x_train.shape == (5, 28, 28) and dataset.x_test.shape == (3, 28, 28)
    assert dataset.classes == tuple("0123456789") and dataset.name == "mnist"
    assert_matches(dataset, arrays, flatten=False)


def test_plain_file_preferred_over_gzipped(tmp_path):
    plain = make_dataset(tmp_path, seed=1)
    make_dataset(tmp_path, compress=True, seed=2)
    assert_matches(datasets.load_mnist(tmp_path), plain)


@pytest.mark.parametrize(
    ("loader", "var"),
    [
        (datasets.load_mnist, "NENGO_FA_MNIST"),
        (datasets.load_fashion_mnist, "NENGO_FA_FASHION_MNIST"),
    ],
)
def test_load_from_environment_variable(tmp_path, monkeypatch, loader, var):
    arrays = make_dataset(tmp_path / "env")
    monkeypatch.setenv(var, str(tmp_path / "env"))
    assert_matches(loader(), arrays)


@pytest.mark.parametrize("name", ["mnist", "fashion-mnist"])
def test_load_from_cache_dir_named_by_nengo_fa_cache(tmp_path, name):
    arrays = make_dataset(tmp_path / "cache" / name, compress=True)
    loader = datasets.load_mnist if name == "mnist" else datasets.load_fashion_mnist
    assert_matches(loader(), arrays)


def test_load_from_xdg_cache_home(tmp_path, monkeypatch):
    monkeypatch.delenv("NENGO_FA_CACHE")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    arrays = make_dataset(tmp_path / "xdg" / "nengo_fa" / "mnist")
    assert_matches(datasets.load_mnist(), arrays)


def test_cache_dir_resolution(tmp_path, monkeypatch):
    monkeypatch.delenv("NENGO_FA_CACHE")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert datasets.get_cache_dir() == tmp_path / "home" / ".cache" / "nengo_fa"
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert datasets.get_cache_dir("mnist") == tmp_path / "xdg" / "nengo_fa" / "mnist"
    monkeypatch.setenv("NENGO_FA_CACHE", str(tmp_path / "mine"))
    assert datasets.get_cache_dir("fashion-mnist") == tmp_path / "mine" / "fashion-mnist"


def test_load_fashion_mnist_from_debian_location(tmp_path):
    arrays = make_dataset(tmp_path / "debian", compress=True)
    assert_matches(datasets.load_fashion_mnist(), arrays)


def test_mnist_does_not_use_debian_fashion_mnist(tmp_path):
    make_dataset(tmp_path / "debian", compress=True)
    with pytest.raises(datasets.DatasetNotFoundError):
        datasets.load_mnist()


def test_search_order(tmp_path, monkeypatch):
    """path > environment variable > cache directory > Debian location."""
    places = {
        "path": tmp_path / "explicit",
        "env": tmp_path / "env",
        "cache": tmp_path / "cache" / "fashion-mnist",
        "debian": tmp_path / "debian",
    }
    expected = {
        key: make_dataset(directory, seed=i) for i, (key, directory) in enumerate(places.items())
    }
    monkeypatch.setenv("NENGO_FA_FASHION_MNIST", str(places["env"]))
    assert_matches(datasets.load_fashion_mnist(places["path"]), expected["path"])
    assert_matches(datasets.load_fashion_mnist(), expected["env"])
    (places["env"] / "train-images-idx3-ubyte").unlink()
    assert_matches(datasets.load_fashion_mnist(), expected["cache"])
    (places["cache"] / "t10k-labels-idx1-ubyte").unlink()
    assert_matches(datasets.load_fashion_mnist(), expected["debian"])


def test_explicit_path_is_the_only_place_searched(tmp_path):
    make_dataset(tmp_path / "cache" / "mnist")
    with pytest.raises(datasets.DatasetNotFoundError) as info:
        datasets.load_mnist(tmp_path / "elsewhere")
    message = str(info.value)
    assert f"{tmp_path / 'elsewhere'} (path argument): does not exist" in message
    assert "cache directory" not in message


def test_nothing_found_lists_every_place(tmp_path, monkeypatch):
    monkeypatch.setenv("NENGO_FA_FASHION_MNIST", str(tmp_path / "env"))
    (tmp_path / "env").mkdir()
    make_dataset(tmp_path / "cache" / "fashion-mnist")
    (tmp_path / "cache" / "fashion-mnist" / "t10k-images-idx3-ubyte").unlink()
    with pytest.raises(datasets.DatasetNotFoundError) as info:
        datasets.load_fashion_mnist()
    message = str(info.value)
    assert isinstance(info.value, FileNotFoundError)
    assert "Fashion-MNIST not found" in message
    assert f"{tmp_path / 'env'} ($NENGO_FA_FASHION_MNIST): missing train-images" in message
    cache = tmp_path / "cache" / "fashion-mnist"
    assert f"{cache} (cache directory): missing t10k-images-idx3-ubyte[.gz]\n" in message
    assert f"{tmp_path / 'debian'} (Debian package dataset-fashion-mnist): does not" in message
    assert "download=True" in message and "NENGO_FA_FASHION_MNIST=DIR" in message
    assert "apt-get install dataset-fashion-mnist" in message
    for stem in datasets.IDX_FILES:
        assert stem in message


def test_nothing_found_for_mnist_mentions_unset_variable():
    with pytest.raises(datasets.DatasetNotFoundError) as info:
        datasets.load_mnist()
    message = str(info.value)
    assert "$NENGO_FA_MNIST is not set" in message
    assert "(cache directory): does not exist" in message
    assert "download=True" in message and "apt-get" not in message


# Subsets and consistency checks


def test_first_n_samples(tmp_path):
    arrays = make_dataset(tmp_path)
    dataset = datasets.load_mnist(tmp_path, n_train=2, n_test=0)
    assert dataset.x_train.shape == (2, 784) and dataset.x_test.shape == (0, 784)
    assert_matches(dataset, arrays)


@pytest.mark.parametrize("arguments", [{"n_train": 6}, {"n_test": -1}, {"n_test": 4}])
def test_invalid_subset_sizes(tmp_path, arguments):
    make_dataset(tmp_path)
    with pytest.raises(ValueError, match=next(iter(arguments))):
        datasets.load_mnist(tmp_path, **arguments)


def test_image_and_label_counts_must_agree(tmp_path):
    make_dataset(tmp_path)
    write_idx(tmp_path / "train-labels-idx1-ubyte", np.zeros(4, np.uint8))
    with pytest.raises(datasets.CorruptFileError, match="5 images but .* has 4 labels"):
        datasets.load_mnist(tmp_path)


def test_labels_must_index_classes(tmp_path):
    make_dataset(tmp_path)
    path = write_idx(tmp_path / "t10k-labels-idx1-ubyte", np.array([0, 10, 2], np.uint8))
    with pytest.raises(datasets.CorruptFileError, match=re.escape(str(path))):
        datasets.load_mnist(tmp_path)


def test_swapped_files_are_reported(tmp_path):
    arrays = make_dataset(tmp_path)
    path = write_idx(tmp_path / "train-images-idx3-ubyte", arrays["train-labels-idx1-ubyte"])
    with pytest.raises(datasets.CorruptFileError, match="expected 3-D ubyte images"):
        datasets.load_mnist(tmp_path)
    assert path.exists()


def test_corrupt_file_in_search_location_names_it(tmp_path):
    make_dataset(tmp_path / "debian", compress=True)
    path = tmp_path / "debian" / "train-images-idx3-ubyte.gz"
    path.write_bytes(path.read_bytes()[:100])
    with pytest.raises(datasets.CorruptFileError, match=re.escape(str(path))):
        datasets.load_fashion_mnist()


# Downloads (file:// mirrors and stubs; no network)


def test_download_into_cache(tmp_path, monkeypatch):
    monkeypatch.setattr(datasets, "_urlopen", datasets.urllib.request.urlopen)
    arrays = make_mirror(tmp_path / "mirror", "mnist", monkeypatch)
    dataset = datasets.load_mnist(download=True)
    assert_matches(dataset, arrays)
    cache = tmp_path / "cache" / "mnist"
    assert sorted(p.name for p in cache.iterdir()) == sorted(f"{s}.gz" for s in datasets.IDX_FILES)
    monkeypatch.setattr(datasets, "_urlopen", no_network)
    assert_matches(datasets.load_mnist(), arrays)


def test_download_into_explicit_path_fetches_only_missing_files(tmp_path, monkeypatch):
    arrays = make_mirror(tmp_path / "mirror", "fashion-mnist", monkeypatch)
    target = tmp_path / "target"
    target.mkdir()
    write_idx(target / "train-labels-idx1-ubyte", arrays["train-labels-idx1-ubyte"])
    fetched = []

    def urlopen(url, timeout):
        fetched.append(url.rsplit("/", 1)[1])
        return datasets.urllib.request.urlopen(url, timeout=timeout)

    monkeypatch.setattr(datasets, "_urlopen", urlopen)
    assert_matches(datasets.load_fashion_mnist(target, download=True), arrays)
    assert sorted(fetched) == sorted(
        f"{s}.gz" for s in datasets.IDX_FILES if s != "train-labels-idx1-ubyte"
    )
    assert not (tmp_path / "cache").exists()


def test_no_download_unless_asked(tmp_path, monkeypatch):
    make_mirror(tmp_path / "mirror", "mnist", monkeypatch)
    with pytest.raises(datasets.DatasetNotFoundError):
        datasets.load_mnist()
    assert not (tmp_path / "cache").exists()


def test_download_checksum_mismatch_leaves_no_file(tmp_path, monkeypatch):
    monkeypatch.setattr(datasets, "_urlopen", datasets.urllib.request.urlopen)
    make_mirror(tmp_path / "mirror", "fashion-mnist", monkeypatch)
    monkeypatch.setitem(datasets._MD5["fashion-mnist"], "t10k-images-idx3-ubyte.gz", "0" * 32)
    with pytest.raises(datasets.DownloadError) as info:
        datasets.load_fashion_mnist(download=True)
    message = str(info.value)
    assert "t10k-images-idx3-ubyte.gz" in message
    assert "checksum mismatch" in message and "expected " + "0" * 32 in message
    cache = tmp_path / "cache" / "fashion-mnist"
    assert not any(path.name.startswith("t10k-images") for path in cache.iterdir())
    assert not [path for path in cache.iterdir() if path.name.endswith(".part")]


def test_download_network_failure(tmp_path, monkeypatch):
    make_mirror(tmp_path / "mirror", "mnist", monkeypatch)

    def unreachable(url, timeout):
        raise urllib.error.URLError("Name or service not known")

    monkeypatch.setattr(datasets, "_urlopen", unreachable)
    with pytest.raises(datasets.DownloadError) as info:
        datasets.load_mnist(download=True)
    message = str(info.value)
    assert isinstance(info.value, OSError)
    assert "Name or service not known" in message and "NENGO_FA_MNIST" in message
    assert (tmp_path / "mirror").as_uri() + "/train-images-idx3-ubyte.gz" in message
    assert list((tmp_path / "cache" / "mnist").iterdir()) == []


def test_download_interrupted_midway_leaves_no_file(tmp_path, monkeypatch):
    make_mirror(tmp_path / "mirror", "mnist", monkeypatch)

    class Broken(io.BytesIO):
        def read(self, size=-1):
            if self.tell():
                raise http.client.IncompleteRead(b"", 100)
            return super().read(10)

    monkeypatch.setattr(datasets, "_urlopen", lambda url, timeout: Broken(b"x" * 100))
    with pytest.raises(datasets.DownloadError, match="IncompleteRead"):
        datasets.load_mnist(download=True)
    assert list((tmp_path / "cache" / "mnist").iterdir()) == []


def test_download_falls_back_to_next_mirror(tmp_path, monkeypatch):
    monkeypatch.setattr(datasets, "_urlopen", datasets.urllib.request.urlopen)
    arrays = make_mirror(tmp_path / "mirror", "mnist", monkeypatch)
    mirrors = ((tmp_path / "gone").as_uri() + "/", *datasets._MIRRORS["mnist"])
    monkeypatch.setitem(datasets._MIRRORS, "mnist", mirrors)
    assert_matches(datasets.load_mnist(download=True), arrays)


def test_published_checksums_and_mirrors():
    for name in ("mnist", "fashion-mnist"):
        assert set(datasets._MD5[name]) == {f"{stem}.gz" for stem in datasets.IDX_FILES}
        assert all(re.fullmatch("[0-9a-f]{32}", md5) for md5 in datasets._MD5[name].values())
        assert all(url.startswith("http") and url.endswith("/") for url in datasets._MIRRORS[name])
    assert datasets._MD5["fashion-mnist"]["train-images-idx3-ubyte.gz"] == (
        "8d4fb7e6c68d591d4c3dfef9ec88bf0d"
    )
    assert datasets._MD5["mnist"]["train-images-idx3-ubyte.gz"] == (
        "f68b3c2dcbeaaa9fbdd348bbdeb94873"
    )


# scikit-learn's 8x8 digits


def test_load_digits():
    pytest.importorskip("sklearn")
    dataset = datasets.load_digits()
    assert dataset.x_train.shape == (1347, 64) and dataset.x_test.shape == (450, 64)
    assert dataset.x_train.dtype == np.float32 and dataset.y_train.dtype == np.int64
    assert dataset.x_train.min() == 0 and dataset.x_train.max() == 1
    assert dataset.classes == tuple("0123456789") and dataset.name == "digits"
    counts = np.bincount(dataset.y_test, minlength=10)
    assert counts.min() >= 43 and counts.max() <= 47  # stratified: ~450 / 10 per class


def test_load_digits_is_deterministic_per_seed():
    pytest.importorskip("sklearn")
    first, again = datasets.load_digits(seed=3), datasets.load_digits(seed=3)
    other = datasets.load_digits(seed=4)
    np.testing.assert_array_equal(first.x_train, again.x_train)
    np.testing.assert_array_equal(first.y_test, again.y_test)
    assert not np.array_equal(first.y_train, other.y_train)


def test_load_digits_options():
    pytest.importorskip("sklearn")
    dataset = datasets.load_digits(test_size=0.5, flatten=False, n_train=100, n_test=10)
    assert dataset.x_train.shape == (100, 8, 8) and dataset.x_test.shape == (10, 8, 8)
    full = datasets.load_digits(test_size=0.5, flatten=False)
    np.testing.assert_array_equal(dataset.x_train, full.x_train[:100])


def test_load_digits_without_scikit_learn(monkeypatch):
    for module in [name for name in sys.modules if name.split(".")[0] == "sklearn"]:
        monkeypatch.delitem(sys.modules, module)
    monkeypatch.setitem(sys.modules, "sklearn", None)
    with pytest.raises(ImportError, match=r"pip install scikit-learn.*nengo-fa\[datasets\]"):
        datasets.load_digits()


# The real Fashion-MNIST of the Debian package, where installed


@pytest.mark.skipif(
    not (REAL_DEBIAN_DIR / "train-images-idx3-ubyte.gz").exists(),
    reason="Debian package dataset-fashion-mnist is not installed",
)
def test_real_debian_fashion_mnist(monkeypatch):
    monkeypatch.setattr(datasets, "DEBIAN_FASHION_MNIST_DIR", REAL_DEBIAN_DIR)
    dataset = datasets.load_fashion_mnist()
    assert dataset.x_train.shape == (60000, 784) and dataset.x_test.shape == (10000, 784)
    assert dataset.x_train.dtype == np.float32 and dataset.y_test.dtype == np.int64
    assert dataset.x_train.min() == 0 and dataset.x_train.max() == 1
    np.testing.assert_array_equal(np.bincount(dataset.y_train), np.full(10, 6000))
    np.testing.assert_array_equal(np.bincount(dataset.y_test), np.full(10, 1000))


def test_standardize_uses_the_training_statistics():
    train = np.array([[0.0, 1.0], [2.0, 1.0]])
    scaled_train, scaled_test = datasets.standardize(train, np.array([[1.0, 3.0]]))
    np.testing.assert_allclose(scaled_train, [[-1 / 1.1, 0.0], [1 / 1.1, 0.0]])
    np.testing.assert_allclose(scaled_test, [[0.0, 2 / 0.1]])


def test_load_standardized_digits():
    pytest.importorskip("sklearn")
    x_train, y_train, x_test, y_test = datasets.load_standardized("digits", n_train=300, n_test=50)
    assert x_train.shape == (300, 64) and x_test.shape == (50, 64)
    np.testing.assert_allclose(x_train.mean(axis=0), 0, atol=1e-12)
    assert y_train.dtype == np.int64
    with pytest.raises(ValueError, match="dataset must be one of"):
        datasets.load_standardized("cifar")
