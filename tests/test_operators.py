"""The operators nengo_fa adds: exact results on every code path."""

import numpy as np
import pytest
from nengo.builder.signal import Signal, SignalDict
from nengo.exceptions import BuildError

from nengo_fa.builder import SimRankOneUpdate, SimRateSlope, TransposedDotInc, _inplace_ger


def signal_dict(*arrays):
    signals = SignalDict()
    sigs = [Signal(np.array(a, dtype=float)) for a in arrays]
    for sig in sigs:
        signals.init(sig)
    return signals, sigs


@pytest.mark.parametrize("contiguous", [True, False])
def test_rank_one_update(contiguous):
    rng = np.random.RandomState(0)
    encoders = rng.standard_normal((6, 8 if contiguous else 16))
    bias, enc_step, bias_step, x = (rng.standard_normal(n) for n in (6, 6, 6, 8))
    signals, (enc_sig, b_sig, es_sig, bs_sig, x_sig) = signal_dict(
        encoders, bias, enc_step, bias_step, x
    )
    if not contiguous:  # every other column: a strided view the BLAS path refuses
        view = Signal(enc_sig.initial_value[:, ::2], base=enc_sig, name="strided", offset=0)
        signals.init(view)
        enc_sig = view
    assert (_inplace_ger(signals[enc_sig]) is not None) == contiguous

    op = SimRankOneUpdate(enc_sig, b_sig, es_sig, bs_sig, x_sig, encoder_scale=0.25)
    step = op.make_step(signals, dt=0.001, rng=None)
    start = signals[enc_sig].copy()
    step()
    step()
    np.testing.assert_allclose(signals[enc_sig], start + 2 * 0.25 * np.outer(enc_step, x))
    np.testing.assert_allclose(signals[b_sig], bias + 2 * bias_step)


def test_inplace_ger_refuses_what_it_cannot_update_in_place():
    assert _inplace_ger(np.zeros((3, 4), dtype=np.int64)) is None
    assert _inplace_ger(np.zeros((4, 3)).T) is None
    assert _inplace_ger(np.zeros(5)) is None
    matrix = np.zeros((3, 4), dtype=np.float32)
    _inplace_ger(matrix)(2.0, np.ones(4, np.float32), np.arange(3, dtype=np.float32))
    np.testing.assert_array_equal(matrix, 2.0 * np.outer(np.arange(3), np.ones(4)))


def test_rate_slope_operator():
    signals, (current, slope) = signal_dict([-1.0, 0.5, 2.0], np.zeros(3))
    op = SimRateSlope(lambda J: 3.0 * J**2, current, slope)
    assert op.reads == [current] and op.sets == [slope]
    op.make_step(signals, dt=0.001, rng=None)()
    np.testing.assert_allclose(signals[slope], [3.0, 0.75, 12.0])


def test_transposed_dot_inc():
    rng = np.random.RandomState(1)
    A, X, Y = rng.standard_normal((3, 5)), rng.standard_normal(3), rng.standard_normal(5)
    signals, (a_sig, x_sig, y_sig) = signal_dict(A, X, Y)
    op = TransposedDotInc(a_sig, x_sig, y_sig)
    assert op.reads == [a_sig, x_sig] and op.incs == [y_sig]
    op.make_step(signals, dt=0.001, rng=None)()
    np.testing.assert_allclose(signals[y_sig], Y + A.T @ X)
    with pytest.raises(BuildError, match="shapes"):
        TransposedDotInc(a_sig, y_sig, x_sig)
