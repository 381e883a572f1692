"""In-place rank-one updates: every backend gives NumPy's exact result in place."""

import numpy as np
import pytest

from nengo_fa import rank_one
from nengo_fa.rank_one import BACKENDS, rank_one_updater


def available(backend, dtype=np.float64):
    try:
        rank_one_updater(np.zeros((3, 4), dtype), backend=backend)
    except ValueError:
        return False
    return True


@pytest.mark.parametrize("backend", sorted(BACKENDS))
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("layout", ["contiguous", "row-slice", "strided-vectors"])
def test_update_matches_numpy_in_place(backend, dtype, layout):
    if not available(backend, dtype):
        pytest.skip(f"{backend} is not available for {np.dtype(dtype)} here")
    rng = np.random.RandomState(1)
    base = rng.standard_normal((9, 12)).astype(dtype)
    u_base, v_base = rng.standard_normal(16).astype(dtype), rng.standard_normal(24).astype(dtype)
    rows, cols = slice(1, 7), slice(0, 12)
    u, v = u_base[:6], v_base[:12]
    if layout == "row-slice":  # a view with row stride 12 > 5 columns
        cols = slice(3, 8)
        v = v_base[:5]
    elif layout == "strided-vectors":
        u, v = u_base[::2][:6], v_base[::2]
    matrix = base[rows, cols]
    if backend == "scipy-blas" and not matrix.flags.c_contiguous:
        with pytest.raises(ValueError, match="cannot update this array"):
            rank_one_updater(matrix, backend=backend)
        return

    before = base.copy()
    expected = matrix + 0.25 * np.outer(u, v)
    update = rank_one_updater(matrix, backend=backend)
    assert update.backend == backend
    update(0.25, u, v)
    tol = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(matrix, expected, rtol=tol, atol=tol)
    outside = np.ones(base.shape, bool)
    outside[rows, cols] = False
    np.testing.assert_array_equal(base[outside], before[outside])


def test_default_prefers_numpy_blas_and_falls_back():
    matrix = np.zeros((4, 3))
    backend = rank_one_updater(matrix).backend
    assert backend == ("numpy-blas" if available("numpy-blas") else "scipy-blas")
    integers = np.zeros((4, 3), dtype=np.int64)
    assert rank_one_updater(integers).backend == "numpy"
    transposed = np.zeros((3, 4)).T  # not row-major: no BLAS path applies
    update = rank_one_updater(transposed)
    assert update.backend == "numpy"
    update(2.0, np.ones(4), np.arange(3.0))
    np.testing.assert_array_equal(transposed, 2.0 * np.outer(np.ones(4), np.arange(3.0)))


def test_a_backend_failing_its_probe_is_not_used(monkeypatch):
    def wrong_updater(matrix):
        def update(alpha, u, v):
            matrix[...] += 2 * alpha * np.outer(u, v)

        return update

    monkeypatch.setitem(BACKENDS, "numpy-blas", wrong_updater)
    monkeypatch.setattr(rank_one, "_probed", {})
    assert rank_one_updater(np.zeros((4, 3))).backend != "numpy-blas"
    with pytest.raises(ValueError, match="numpy-blas"):
        rank_one_updater(np.zeros((4, 3)), backend="numpy-blas")


@pytest.mark.parametrize("backend", sorted(BACKENDS))
def test_vectors_of_another_dtype_are_converted(backend):
    if not available(backend, np.float32):
        pytest.skip(f"{backend} is not available for float32 here")
    matrix = np.zeros((3, 4), np.float32)
    u, v = np.arange(3.0), np.linspace(-1, 1, 4)  # float64
    rank_one_updater(matrix, backend=backend)(2.0, u, v)
    np.testing.assert_allclose(matrix, 2.0 * np.outer(u, v), rtol=1e-6)


def test_blas_backend_rejects_vectors_of_the_wrong_length():
    if not available("numpy-blas"):
        pytest.skip("numpy-blas is not available here")
    update = rank_one_updater(np.zeros((3, 4)), backend="numpy-blas")
    with pytest.raises(ValueError, match="rank-one update of a"):
        update(1.0, np.ones(2), np.ones(4))
