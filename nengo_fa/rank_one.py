r"""In-place rank-one updates :math:`A \mathrel{+}= \alpha \, \mathbf{u} \mathbf{v}^T`.

Every encoder rule ends each step with one such update of an ensemble's
``(n_neurons, dimensions)`` scaled encoders. It is memory-bound: one read and
one write of the matrix, the same traffic as the encoding mat-vec Nengo does
anyway. `rank_one_updater` returns the fastest in-place implementation that
passes a correctness probe:

1. ``ger`` from **NumPy's own BLAS**, called through `ctypes`. It shares the
   thread pool of NumPy's mat-vecs, so it is multi-threaded like them and no
   second pool competes for the cores. Recognized: the ``scipy-openblas64``
   library bundled in NumPy 2 wheels.
2. SciPy's ``ger`` (``scipy.linalg.blas``). SciPy wheels bundle a second
   OpenBLAS; see `single_thread_scipy_blas`.
3. NumPy ``A += alpha * outer(u, v)`` (allocates a temporary each call).
"""

import ctypes
import logging
import os

import numpy as np
from scipy.linalg.blas import get_blas_funcs

logger = logging.getLogger(__name__)

_CBLAS_ROW_MAJOR = 101

#: ``cblas_?ger`` symbols of 64-bit-integer (ILP64) BLAS libraries, by dtype.
_ILP64_GER_SYMBOLS = {
    np.dtype(np.float64): ("scipy_cblas_dger64_", "cblas_dger64_"),
    np.dtype(np.float32): ("scipy_cblas_sger64_", "cblas_sger64_"),
}


def _blas_controllers():
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:  # pragma: no cover - threadpoolctl is a dependency
        return []
    return [c for c in ThreadpoolController().lib_controllers if c.user_api == "blas"]


def _numpy_blas_path():
    """File of the BLAS library bundled with NumPy, or None."""
    numpy_dir = os.path.dirname(os.path.dirname(np.__file__))
    for controller in _blas_controllers():
        path = controller.filepath
        relative = os.path.relpath(path, numpy_dir)
        if relative.split(os.sep)[0] in ("numpy.libs", "numpy"):
            return path
    return None


def single_thread_scipy_blas():
    """Run SciPy's BLAS on one thread when it is a separate library from NumPy's.

    NumPy and SciPy wheels each bundle an OpenBLAS with its own thread pool. A
    simulation alternating NumPy's products with SciPy's ``ger`` makes the two
    pools spin against each other (measured on 2 cores: a 784-1000-10 network
    ran 37x slower), so when SciPy's ``ger`` is used, SciPy's pool is limited
    to one thread for the rest of the process. Returns the libraries limited.
    """
    blas = _blas_controllers()
    if len(blas) < 2:
        return []
    scipy_dirs = (f"{os.sep}scipy.libs{os.sep}", f"{os.sep}scipy{os.sep}")
    limited = [c for c in blas if any(d in c.filepath for d in scipy_dirs) and c.num_threads > 1]
    for controller in limited:
        controller.set_num_threads(1)
        logger.info("nengo_fa: limited %s to one thread", controller.filepath)
    return [c.filepath for c in limited]


def _strides_in_items(array):
    itemsize = array.dtype.itemsize
    if any(s <= 0 or s % itemsize for s in array.strides):
        return None
    return tuple(s // itemsize for s in array.strides)


def _cblas_ger(dtype):
    """``fn(matrix, alpha, u, v)`` from NumPy's ILP64 BLAS for ``dtype``, or None."""
    path = _numpy_blas_path()
    if path is None or dtype not in _ILP64_GER_SYMBOLS:
        return None
    try:
        library = ctypes.CDLL(path)
    except OSError:
        return None
    for symbol in _ILP64_GER_SYMBOLS[dtype]:
        function = getattr(library, symbol, None)
        if function is not None:
            break
    else:
        return None
    real = ctypes.c_double if dtype == np.float64 else ctypes.c_float
    i64, pointer = ctypes.c_int64, ctypes.c_void_p
    function.restype = None
    function.argtypes = [ctypes.c_int, i64, i64, real, pointer, i64, pointer, i64, pointer, i64]

    def ger(matrix, alpha, u, v):
        (lda, one), (inc_u,), (inc_v,) = (_strides_in_items(a) for a in (matrix, u, v))
        assert one == 1
        rows, cols = matrix.shape
        function(
            _CBLAS_ROW_MAJOR,
            rows,
            cols,
            alpha,
            u.ctypes.data,
            inc_u,
            v.ctypes.data,
            inc_v,
            matrix.ctypes.data,
            lda,
        )

    return ger


def _cblas_updater(matrix):
    if matrix.ndim != 2 or matrix.shape[1] == 0:
        return None
    strides = _strides_in_items(matrix)
    if strides is None or strides[1] != 1 or strides[0] < matrix.shape[1]:
        return None
    ger = _cblas_ger(matrix.dtype)
    if ger is None:
        return None

    dtype, shape = matrix.dtype, matrix.shape

    def update(alpha, u, v):
        if (u.shape, v.shape) != ((shape[0],), (shape[1],)):  # BLAS would read past them
            raise ValueError(f"rank-one update of a {shape} matrix by {u.shape} x {v.shape}")
        if u.dtype != dtype or _strides_in_items(u) is None:
            u = np.ascontiguousarray(u, dtype=dtype)
        if v.dtype != dtype or _strides_in_items(v) is None:
            v = np.ascontiguousarray(v, dtype=dtype)
        ger(matrix, alpha, u, v)

    return update


def _scipy_updater(matrix):
    if matrix.ndim != 2 or not matrix.flags.c_contiguous or matrix.dtype.char not in "fd":
        return None
    ger = get_blas_funcs("ger", (matrix,))
    transposed = matrix.T  # Fortran-ordered view: BLAS updates it in place
    probe = ger(
        0.0,
        np.zeros(matrix.shape[1], matrix.dtype),
        np.zeros(matrix.shape[0], matrix.dtype),
        a=transposed,
        overwrite_a=True,
    )
    if not np.shares_memory(probe, matrix):
        return None
    single_thread_scipy_blas()

    def update(alpha, u, v):
        ger(alpha, v, u, a=transposed, overwrite_a=True)

    return update


def _numpy_updater(matrix):
    def update(alpha, u, v):
        matrix[...] += alpha * np.outer(u, v)

    return update


BACKENDS = {"numpy-blas": _cblas_updater, "scipy-blas": _scipy_updater, "numpy": _numpy_updater}


def _passes_probe(make_updater, dtype):
    """Check a backend on a small matrix, including a row-sliced (lda > cols) view."""
    rng = np.random.RandomState(0)
    base = rng.standard_normal((5, 7)).astype(dtype)
    matrix = base[1:4, :4]
    if make_updater is not _cblas_updater:
        matrix = matrix.copy()
    u, v = rng.standard_normal(6).astype(dtype)[::2], rng.standard_normal(4).astype(dtype)
    expected = matrix + 0.5 * np.outer(u, v)
    untouched = base.copy()
    updater = make_updater(matrix)
    if updater is None:
        return False
    updater(0.5, u, v)
    rtol = 1e-5 if dtype == np.float32 else 1e-12
    ok = np.allclose(matrix, expected, rtol=rtol, atol=rtol)
    if make_updater is _cblas_updater:
        outside = np.ones(base.shape, bool)
        outside[1:4, :4] = False
        ok = ok and np.array_equal(base[outside], untouched[outside])
    return bool(ok)


_probed = {}


def rank_one_updater(matrix, backend=None):
    """Return ``update(alpha, u, v)`` doing ``matrix += alpha * outer(u, v)`` in place.

    ``matrix`` is a 2-D float array (it may be a row-sliced view); ``u`` and
    ``v`` are 1-D of lengths ``matrix.shape[0]`` and ``matrix.shape[1]``.
    ``backend`` forces one of `BACKENDS`; by default the first that works for
    this array and passed a correctness probe on this machine is used.
    """
    names = [backend] if backend is not None else list(BACKENDS)
    for name in names:
        make_updater = BACKENDS[name]
        key = (name, np.dtype(matrix.dtype))
        if key not in _probed:
            _probed[key] = name == "numpy" or _passes_probe(make_updater, matrix.dtype)
        if _probed[key]:
            updater = make_updater(matrix)
            if updater is not None:
                updater.backend = name
                return updater
    raise ValueError(f"rank-one update backend {backend!r} cannot update this array")
