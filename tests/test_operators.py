"""The operators nengo_fa adds: exact results on every code path."""

import warnings

import numpy as np
import pytest
from nengo.builder.signal import Signal, SignalDict
from nengo.exceptions import BuildError

from nengo_fa.builder import SimEncoderUpdate, SimOuter, SimRateSlope, TransposedDotInc
from nengo_fa.builder.operators import SimGaussianNoise, SkippedUpdateWarning


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
    signals, (enc_sig, b_sig, es_sig, bs_sig, x_sig, decay, step, skipped) = signal_dict(
        encoders, bias, enc_step, bias_step, x, 0.0, 1, 0
    )
    # every other column: a strided view, as the optimizer may leave a signal
    view = Signal(enc_sig.initial_value[:, ::2], base=enc_sig, name="strided", offset=0)
    signals.init(view)

    op = SimEncoderUpdate(view, b_sig, es_sig, bs_sig, x_sig, decay, step, skipped, 0.25)
    step = op.make_step(signals, dt=0.001, rng=None)
    start = signals[view].copy()
    step()
    step()
    np.testing.assert_allclose(signals[view], start + 2 * 0.25 * np.outer(enc_step, x))
    np.testing.assert_allclose(signals[b_sig], bias + 2 * bias_step)
    np.testing.assert_array_equal(signals[enc_sig][:, 1::2], encoders[:, 1::2])


def test_encoder_update_decays_only_on_learning_steps():
    encoders, bias, x = np.arange(6.0).reshape(3, 2), np.ones(3), np.array([1.0, -1.0])
    signals, (enc, b, enc_step, bias_step, x_sig, decay, counter, skipped) = signal_dict(
        encoders, bias, np.zeros(3), [0.5, 0.0, -0.5], x, 0.1, 1, 0
    )
    op = SimEncoderUpdate(enc, b, enc_step, bias_step, x_sig, decay, counter, skipped, 1.0)
    step = op.make_step(signals, 0.001, None)
    step()  # no encoder step: no decay, no rank-one update; the biases still move
    np.testing.assert_array_equal(signals[enc], encoders)
    np.testing.assert_array_equal(signals[b], [1.5, 1.0, 0.5])
    signals[enc_step][...] = [1.0, 0.0, 2.0]
    step()
    np.testing.assert_allclose(signals[enc], 0.9 * encoders + np.outer([1.0, 0.0, 2.0], x))


@pytest.mark.parametrize("bad", ["encoder_step", "bias_step", "x"])
def test_encoder_update_skips_and_counts_steps_that_are_not_finite(bad):
    signals, (enc, b, u, v, x, decay, counter, skipped) = signal_dict(
        np.ones((2, 3)), np.zeros(2), [1.0, 0.0], [0.1, 0.2], [0.5, -0.5, 1.0], 0.0, 7, 0
    )
    signals[{"encoder_step": u, "bias_step": v, "x": x}[bad]][0] = np.nan
    step = SimEncoderUpdate(enc, b, u, v, x, decay, counter, skipped, 1.0, tag="ens").make_step(
        signals, 0.001, None
    )
    with pytest.warns(SkippedUpdateWarning, match="ens at step 7"):
        step()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # only the first skip warns
        step()
    np.testing.assert_array_equal(signals[enc], np.ones((2, 3)))
    np.testing.assert_array_equal(signals[b], np.zeros(2))
    assert signals[skipped] == 2
    signals[u][...], signals[v][...], signals[x][...] = [1.0, 0.0], [0.1, 0.2], [1.0, 2.0, 3.0]
    step()  # finite again: learning resumes
    np.testing.assert_allclose(signals[enc], 1 + np.outer([1.0, 0.0], [1.0, 2.0, 3.0]))


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


def test_gaussian_noise_is_a_function_of_seed_and_step():
    """Block boundaries, resets and operator order do not change the samples."""
    signals, (noise, step, gate) = signal_dict(np.zeros((300, 5)), 0, 1.0)
    op = SimGaussianNoise(noise, std=2.0, seed=7, step=step, gate=gate)
    assert op.steps_per_block == 2**16 // 1500

    def samples(steps, op=op):
        run = op.make_step(signals, dt=0.001, rng=None)
        out = []
        for k in steps:
            signals[step][...] = k
            run()
            out.append(signals[noise].copy())
        return np.array(out)

    steps = np.arange(1, 2 * op.steps_per_block + 3)
    first = samples(steps)
    np.testing.assert_array_equal(samples(steps[::-1])[::-1], first)
    np.testing.assert_array_equal(
        samples(steps, op=SimGaussianNoise(noise, 2.0, 7, step, gate)), first
    )
    assert not np.allclose(
        samples(steps[:3], op=SimGaussianNoise(noise, 2.0, 8, step, gate)), first[:3]
    )
    assert np.std(first) == pytest.approx(2.0, rel=0.02)
    assert abs(np.mean(first)) < 0.02
    signals[gate][...] = 0.0
    assert not samples([5]).any()
