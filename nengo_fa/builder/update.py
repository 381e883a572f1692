r"""The per-ensemble record every encoder rule on one ensemble adds its step into.

However many rules learn an ensemble's encoders and biases, the ensemble gets
one slope :math:`f'(J)` (`.SimRateSlope`) and one in-place update
(`.SimEncoderUpdate`). The first rule that needs them creates both, with the
signals the rules add into, and records them in an `EnsembleLearning`; the
later rules only add operators that increment those signals. Nothing built
here is changed afterwards.
"""

import dataclasses

import numpy as np
from nengo.builder import Signal
from nengo.builder.operator import Reset
from nengo.ensemble import Ensemble
from nengo.exceptions import BuildError

from nengo_fa.builder.operators import SimEncoderUpdate, SimRateSlope
from nengo_fa.derivatives import derivative_function, rate_curve


@dataclasses.dataclass
class EnsembleLearning:
    """Build-time record of an ensemble whose encoders and biases are learned.

    Attributes
    ----------
    ensemble : nengo.Ensemble
    slope : Signal
        :math:`f'(J)` of this step, Hz per unit current.
    encoder_step, bias_step : Signal
        Summed per-neuron steps of every rule (reset each step): the
        encoders change by ``outer(encoder_step, x) / radius**2``, the
        biases by ``bias_step``.
    decay : Signal
        Scalar :math:`\\lambda \\Delta t` by which the encoders decay on
        learning steps; 0 unless a `.KolenPollack` rule sets it.
    skipped : Signal
        Scalar count of steps skipped as not finite (probeable on every rule
        on the ensemble as ``skipped_updates``).
    rate_scale : float
        :math:`s_r`, RMS firing rate (Hz) over the ensemble's evaluation points.
    current_scale : float
        :math:`s_J = s_r / \\text{RMS}(f')`, in units of input current.
    decayed_by : LearningRule or None
        The Kolen-Pollack rule that set ``decay``, if any.
    """

    ensemble: Ensemble
    slope: Signal
    encoder_step: Signal
    bias_step: Signal
    decay: Signal
    skipped: Signal
    rate_scale: float
    current_scale: float
    decayed_by: object = None

    @property
    def rms_slope(self):
        """RMS of :math:`f'` over the evaluation points, :math:`s_r / s_J`."""
        return self.rate_scale / self.current_scale


def ensemble_scales(ensemble, built, derivative):
    """``(rate_scale, current_scale)`` of an ensemble: see `EnsembleLearning`.

    Evaluated on the ensemble's evaluation points with its build-time
    (unlearned) scaled encoders and biases.
    """
    current = built.eval_points @ built.scaled_encoders.T + built.bias
    rms_rate = np.sqrt(np.mean(rate_curve(ensemble.neuron_type, current) ** 2))
    rms_slope = np.sqrt(np.mean(derivative(current) ** 2))
    if not (np.isfinite(rms_rate) and rms_rate > 0 and np.isfinite(rms_slope) and rms_slope > 0):
        raise BuildError(
            f"{ensemble} is silent or flat over its evaluation points (RMS rate "
            f"{rms_rate:.3g} Hz, RMS slope {rms_slope:.3g}), so an encoder rule cannot "
            "learn; check its gains, biases, max_rates and intercepts."
        )
    return rms_rate, rms_rate / rms_slope


#: Attribute of the `nengo.builder.Model` holding ``{ensemble: EnsembleLearning}``.
RECORDS = "nengo_fa_ensembles"


def ensemble_learning(model, post):
    """The `EnsembleLearning` of ``post``, created (with its operators) on first use."""
    records = vars(model).setdefault(RECORDS, {})
    if post in records:
        return records[post]

    built = model.params[post]
    reach = 2.0 * np.abs(built.gain)
    current_range = (np.min(built.bias - reach), np.max(built.bias + reach))
    derivative = derivative_function(post.neuron_type, current_range)
    rate_scale, current_scale = ensemble_scales(post, built, derivative)

    n = post.n_neurons
    record = EnsembleLearning(
        ensemble=post,
        slope=Signal(shape=n, name=f"{post}.rate_slope"),
        encoder_step=Signal(shape=n, name=f"{post}.encoder_step"),
        bias_step=Signal(shape=n, name=f"{post}.bias_step"),
        decay=Signal(np.zeros(()), name=f"{post}.encoder_decay"),
        skipped=Signal(np.zeros(()), name=f"{post}.skipped_updates"),
        rate_scale=rate_scale,
        current_scale=current_scale,
    )
    model.add_op(SimRateSlope(derivative, model.sig[post.neurons]["in"], record.slope))
    model.add_op(Reset(record.encoder_step))
    model.add_op(Reset(record.bias_step))
    bias = model.sig[post.neurons]["bias"]
    bias.readonly = False
    model.sig[post]["encoders"].readonly = False  # before any rule takes views of it
    model.add_op(
        SimEncoderUpdate(
            encoders=model.sig[post]["encoders"],
            bias=bias,
            encoder_step=record.encoder_step,
            bias_step=record.bias_step,
            x=model.sig[post]["in"],
            decay=record.decay,
            step=model.step,
            skipped=record.skipped,
            encoder_scale=1.0 / post.radius**2,
            tag=f"{post} encoder/bias learning",
        )
    )
    records[post] = record
    return record


def set_encoder_decay(model, post, rate, rule):
    """Make ``post``'s encoders decay by ``rate`` per learning step (``rule``'s weight decay)."""
    record = ensemble_learning(model, post)
    if record.decayed_by is not None:
        raise BuildError(
            f"{rule.connection}: {post} already decays its encoders for the KolenPollack "
            f"rule on {record.decayed_by.connection}; only one KolenPollack rule may send "
            "its error through it (set weight_decay=0 on the others)."
        )
    record.decayed_by = rule
    model.add_op(Reset(record.decay, value=rate))
