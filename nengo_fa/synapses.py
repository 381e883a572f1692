r"""A `nengo.PES` ``pre_synapse`` that makes PES the exact gradient of the error it receives.

`nengo.PES` changes decoders :math:`\mathbf{d}` by

.. math:: \Delta \mathbf{d} = -\frac{\kappa \, \Delta t}{n} \, e[t] \, \mathbf{a}[t],

with :math:`\mathbf{a}` the ensemble's spikes (or rates) :math:`\mathbf{s}`
filtered by ``pre_synapse``. The error it receives was produced by the
activities along the path from the ensemble to the rule: every connection on
it with a synapse filters its input and delays it by one step (Nengo runs
connection synapses as updates), so :math:`e[t] = (P * \mathbf{d} \cdot
\mathbf{s})[t] - \ldots` with :math:`P` the product of those filters and
delays. PES follows the gradient of :math:`\frac{1}{2} e^2` only if
:math:`\mathbf{a} = P * \mathbf{s}`.

With Nengo's defaults (``pre_synapse=Lowpass(0.005)``, an output synapse and
a 5 ms synapse on the error connection) :math:`\mathbf{a}` is two steps and
one lowpass ahead of :math:`P * \mathbf{s}`. For smooth rates this does not
matter, but the ripple of spiking neurons (100-500 Hz) is then shifted by more
than 90 degrees, and the averaged PES dynamics :math:`\dot{\mathbf{d}} =
-\frac{\kappa}{n} (R \mathbf{d} - \mathbf{p})` with :math:`R = \langle (P *
\mathbf{s}) \, \mathbf{a}^T \rangle` can have eigenvalues with negative real
part: the decoders then grow exponentially along those directions and the
spike noise in the output grows with them, while the rate-approximated
function barely changes (nengo-fa issue 13). With `ErrorPathSynapse`,
:math:`R = \langle (P * \mathbf{s})(P * \mathbf{s})^T \rangle` is positive
semi-definite and PES is stochastic gradient descent on the error it is sent,
spike noise included.
"""

import numpy as np
from nengo.params import TupleParam
from nengo.synapses import LinearFilter, Synapse
from scipy.signal import cont2discrete, ss2tf, tf2ss


def _trim(poly):
    poly = np.trim_zeros(np.atleast_1d(np.asarray(poly, dtype=float)).ravel(), "f")
    return poly if poly.size else np.zeros(1)


def as_run(synapse, dt):
    """``(num, den)`` in z of the filter Nengo runs for ``synapse`` (set mode, no extra delay).

    Nengo discretizes a `~nengo.LinearFilter` and, when it has no
    passthrough, runs it one step advanced (``y[t] = C x[t]`` with ``x[t] = A
    x[t-1] + B u[t]``): that filter is ``z`` times the discretized one.
    """
    if not isinstance(synapse, LinearFilter):
        raise ValueError(
            f"ErrorPathSynapse supports linear filters (nengo.LinearFilter, Lowpass, Alpha) "
            f"and None on the error path, not {synapse!r}"
        )
    A, B, C, D = tf2ss(synapse.num, synapse.den)
    if synapse.analog and len(A) > 0:
        A, B, C, D, _ = cont2discrete((A, B, C, D), dt, method=synapse.method)
    if len(A) == 0:
        return np.atleast_1d(np.asarray(D, dtype=float).ravel()), np.ones(1)
    num, den = ss2tf(A, B, C, D)
    num, den = _trim(num), _trim(den)
    if np.all(D == 0):
        num = np.polymul(num, [1.0, 0.0])
    return num, den


def path_transfer_function(path, dt):
    """``(num, den)`` in z from the ensemble's activities to the error, through ``path``.

    Each synapse that is not None is one connection's filter and one step of
    delay; None is a direct connection (no filter, no delay).
    """
    num, den = np.ones(1), np.ones(1)
    for synapse in path:
        if synapse is None:
            continue
        n, d = as_run(synapse, dt)
        num = np.polymul(num, n)
        den = np.polymul(np.polymul(den, d), [1.0, 0.0])  # the connection's delay
    return _trim(num), _trim(den)


class ErrorPathSynapse(Synapse):
    """`nengo.PES` ``pre_synapse`` reproducing the path from the ensemble to PES's error.

    Give the synapses of the connections between the learning connection's
    pre ensemble and the ``learning_rule`` input, in order: for
    ``conn = nengo.Connection(ens, out, synapse=s_out, learning_rule_type=PES(...))``
    and an error computed from ``out`` (connections with ``synapse=None``)
    and sent with ``nengo.Connection(error, conn.learning_rule, synapse=s_err)``,
    use ``ErrorPathSynapse(s_out, s_err)``. PES then multiplies each error
    by exactly the filtered, delayed activities that produced it (see the
    module docstring). Built for the simulator's ``dt``; supports linear
    filters and None (a direct connection).

    Sending the error with ``synapse=None`` (``ErrorPathSynapse(s_out)``)
    makes PES descend the squared error itself, spike noise included.
    """

    path = TupleParam("path", readonly=True)

    def __init__(self, *path, **kwargs):
        super().__init__(**kwargs)
        for synapse in path:
            if synapse is not None:
                as_run(synapse, self.default_dt)  # validate now
        self.path = path

    def filter_for(self, dt):
        """The `nengo.LinearFilter` (discrete, for step ``dt``) that Nengo runs as this synapse."""
        num, den = path_transfer_function(self.path, dt)
        if len(num) < len(den):  # strictly proper: Nengo will run it one step advanced
            den = np.polymul(den, [1.0, 0.0])
        return LinearFilter(num, den, analog=False)

    def make_state(self, shape_in, shape_out, dt, dtype=None, y0=0):
        return self.filter_for(dt).make_state(shape_in, shape_out, dt, dtype=dtype, y0=y0)

    def make_step(self, shape_in, shape_out, dt, rng, state):
        return self.filter_for(dt).make_step(shape_in, shape_out, dt, rng, state)
