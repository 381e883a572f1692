"""The operators nengo_fa adds: exact results on every code path."""

import numpy as np
import pytest
from nengo.builder.signal import Signal, SignalDict
from nengo.exceptions import BuildError

from nengo_fa.builder import SimOuter, SimRankOneUpdate, SimRateSlope, TransposedDotInc
from nengo_fa.builder.operators import SimGaussianNoise


def signal_dict(*arrays):
    signals = SignalDict()
    sigs = [Signal(np.array(a, dtype=float)) for a in arrays]
    for sig in sigs:
        signals.init(sig)
    return signals, sigs


def test_rank_one_update():
    rng = np.random.RandomState(0)
    encoders = rng.standard_normal((6, 16))
    bias, enc_step, bias_step, x = (rng.standard_normal(n) for n in (6, 6, 6, 8))
    signals, (enc_sig, b_sig, es_sig, bs_sig, x_sig) = signal_dict(
        encoders, bias, enc_step, bias_step, x
    )
    # every other column: a strided view, as the optimizer may leave a signal
    view = Signal(enc_sig.initial_value[:, ::2], base=enc_sig, name="strided", offset=0)
    signals.init(view)

    op = SimRankOneUpdate(view, b_sig, es_sig, bs_sig, x_sig, encoder_scale=0.25)
    step = op.make_step(signals, dt=0.001, rng=None)
    start = signals[view].copy()
    step()
    step()
    np.testing.assert_allclose(signals[view], start + 2 * 0.25 * np.outer(enc_step, x))
    np.testing.assert_allclose(signals[b_sig], bias + 2 * bias_step)
    np.testing.assert_array_equal(signals[enc_sig][:, 1::2], encoders[:, 1::2])


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


def test_outer():
    signals, (u, v, y) = signal_dict([1.0, -2.0], [0.5, 3.0, -1.0], np.full((2, 3), 7.0))
    op = SimOuter(u, v, y, scale=0.5)
    assert op.sets == [y] and op.reads == [u, v]
    op.make_step(signals, dt=0.001, rng=None)()
    np.testing.assert_allclose(signals[y], 0.5 * np.outer([1.0, -2.0], [0.5, 3.0, -1.0]))


@pytest.mark.parametrize("contiguous", [True, False])
def test_gaussian_noise_is_seeded_by_the_simulator_rng(contiguous):
    signals, (base,) = signal_dict(np.zeros((400, 6)))
    noise = base if contiguous else Signal(base.initial_value[:, ::2], base=base, offset=0)
    if not contiguous:
        signals.init(noise)
    op = SimGaussianNoise(noise, std=2.0)
    samples = []
    for seed in (3, 3, 4):
        op.make_step(signals, dt=0.001, rng=np.random.RandomState(seed))()
        samples.append(signals[noise].copy())
    np.testing.assert_array_equal(samples[0], samples[1])
    assert not np.allclose(samples[0], samples[2])
    assert np.std(samples[0]) == pytest.approx(2.0, rel=0.1)
    assert abs(np.mean(samples[0])) < 0.2
