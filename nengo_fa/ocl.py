r"""Run nengo-fa models on nengo-ocl: use `nengo_fa.ocl.Simulator`.

``nengo_fa.ocl.Simulator`` is `nengo_ocl.Simulator` (OpenCL on GPUs and CPUs)
with plans for the operators nengo-fa adds (`nengo_fa.builder.OPERATORS`).
The stock `nengo_ocl.Simulator` cannot run them (it fails with
``AttributeError: ... '_plan_SimRateSlope'``)::

    import nengo_fa.ocl
    with nengo_fa.ocl.Simulator(model) as sim:
        sim.run(1.0)

or in Nengo GUI, ``nengo -b nengo_fa.ocl model.py``. Select the OpenCL device
with the environment variable ``PYOPENCL_CTX`` (e.g. ``PYOPENCL_CTX=0``; run
``python -c "import pyopencl as cl; cl.create_some_context()"`` to list the
choices), or pass ``context=pyopencl.Context(...)``. nengo-ocl computes in
float32, so results agree with `nengo.Simulator` to float32 precision.
Learning steps that are not finite are skipped and counted in
``skipped_updates`` as on `nengo.Simulator`, but without a warning (the host
does not see them); probe ``skipped_updates`` to check. The perturbation
rules resolve changes of the loss only down to float32's relative 1e-7: their
estimate :math:`(L - \bar L) / \sigma^2` carries a relative error of about
:math:`10^{-7} L / |L - \bar L|`, so use them on float32 simulators only where
the noise changes the loss by much more than that.

What runs where:

* On the device (OpenCL kernels here): `.SimRateSlope` for the built-in
  derivatives (`~nengo.RectifiedLinear`, `~nengo.SpikingRectifiedLinear`,
  `~nengo.Sigmoid`, `~nengo.Tanh`, the LIF family, and the spiking wrappers of
  these), `.SimEncoderUpdate`, `.TransposedDotInc`, `.SimForwardMatrix`,
  `.SimSignGatedFeedback`, `.SimFeedbackUpdate`, `.SimGatedDecay`; Nengo's
  stock operators and the neuron types nengo-ocl supports by nengo-ocl.
* On the host (each step the operator's signals are copied from the device,
  its NumPy ``make_step`` runs, and what it writes is copied back): the
  perturbation rules' noise and loss (`.SimGaussianNoise`,
  `.SimPerturbationLoss`, `.SimScaledNoise`, so the noise is the same stream
  as in `nengo.Simulator`), the comparisons with backpropagation built only
  when probed, and, with a warning, `.SimRateSlope` for derivatives
  registered by users or tabulated, neuron types nengo-ocl does not
  simulate (e.g. `~nengo.Tanh`, `~nengo.RegularSpiking`), and any operator
  type this module does not know.
"""

import warnings

import numpy as np

try:
    import nengo_ocl
    import pyopencl as cl
    import pyopencl.array
    from mako.template import Template
    from nengo.builder.signal import SignalDict
    from nengo_ocl.plan import Plan, PythonPlan
    from nengo_ocl.planners import greedy_planner
except ImportError as error:  # pragma: no cover - depends on the environment
    raise ImportError(
        f"nengo_fa.ocl needs nengo-ocl and pyopencl ({error}); install them with "
        "pip install 'nengo-fa[ocl]' (nengo-ocl plus pyopencl[pocl], a CPU OpenCL runtime)."
    ) from error

from nengo_fa import derivatives
from nengo_fa.builder import operators

#: Operators that run on the host by design, without a warning.
HOST_OPERATORS = (
    operators.SimGaussianNoise,
    operators.SimPerturbationLoss,
    operators.SimScaledNoise,
    operators.SimOuter,
    operators.SimVectorAngle,
    operators.SimDenseUpdateAngle,
    operators.SimMatrixComparison,
)

#: Rate-curve slopes computed on the device, by the registered Python function.
_SLOPE_KINDS = {
    derivatives.rectified_linear_derivative: 0,
    derivatives.sigmoid_derivative: 1,
    derivatives.tanh_derivative: 2,
    derivatives.lif_derivative: 3,
}


def native_slope(derivative):
    """``(kind, scale, tau_rc, tau_ref)`` of a built-in derivative, or None.

    ``kind`` indexes the cases of the slope kernel; ``scale`` multiplies the
    slope (amplitude, or 1 / tau_ref, times any spiking wrapper's amplitude).
    """
    derivative, scale = derivatives.unscaled(derivative)
    if not isinstance(derivative, derivatives.Derivative) or derivative.fn not in _SLOPE_KINDS:
        return None
    kind, neuron = _SLOPE_KINDS[derivative.fn], derivative.neuron_type
    if kind in (1, 2):
        return kind, scale / neuron.tau_ref, 0.0, 0.0
    if kind == 3:
        return kind, scale * neuron.amplitude, neuron.tau_rc, neuron.tau_ref
    return kind, scale * neuron.amplitude, 0.0, 0.0


class _HostGroup:
    """Runs the NumPy ``make_step`` of a group of operators on host copies of their signals.

    Each step: copy every writable base signal the operators touch from the
    device, run their step functions (in float64, as `nengo.Simulator` does),
    and copy back the bases they set, increment or update.
    """

    def __init__(self, sim, ops, seed):
        self.sim = sim
        self.ops = list(ops)
        self.seed = seed
        bases = list(dict.fromkeys(sig.base for op in self.ops for sig in op.all_signals))
        written = {sig.base for op in self.ops for sig in op.sets + op.incs + op.updates}
        self.read_bases = [base for base in bases if not base.readonly]
        self.write_bases = [base for base in bases if base in written]
        self.signals = SignalDict()
        for base in bases:
            self.signals.init(base)
        self.make_steps()

    def make_steps(self):
        """(Re)create the step functions, as `nengo.Simulator` does at reset."""
        rng = np.random.RandomState(self.seed)
        self.steps = [op.make_step(self.signals, self.sim.dt, rng) for op in self.ops]

    def __call__(self):
        data, index = self.sim.all_data, self.sim.sidx
        for base in self.read_bases:
            self.signals[base][...] = data[index[base]].reshape(base.shape)
        for step in self.steps:
            step()
        for base in self.write_bases:
            i = index[base]
            data[i] = self.signals[base].reshape(data.shape0s[i], data.shape1s[i])


#: Mako definitions shared by the row-blocked kernels: each work-group of ${L} items
#: handles rows r0 <= r < r1 of operator k (from the ``blocks`` table), and
#: OR-reduces ``flags`` over the work-group (flags[0] holds the result).
_ROW_BLOCK_DEFS = """
<%def name="row_block()">
    const int lid = get_local_id(0);
    const int group = get_group_id(1);
    const int k = blocks[3 * group];
    const int r0 = blocks[3 * group + 1];
    const int r1 = r0 + blocks[3 * group + 2];
    __global const int *m = meta + ${M} * k;
</%def>
<%def name="or_reduce()">
    barrier(CLK_LOCAL_MEM_FENCE);
% for half in halves:
    if (lid < ${half})
        flags[lid] |= flags[lid + ${half}];
    barrier(CLK_LOCAL_MEM_FENCE);
% endfor
</%def>
"""

_SLOPE_KERNEL = """
__kernel void rate_slope(
    __global const int *meta,      // per op: J start, J stride, slope start, slope stride, n, kind
    __global const ${T} *params,   // per op: scale, tau_rc, tau_ref, smoothing
    __global ${T} *data)
{
    const int i = get_global_id(0);
    const int k = get_global_id(1);
    __global const int *m = meta + 6 * k;
    if (i >= m[4]) return;
    const ${T} J = data[m[0] + i * m[1]];
    __global const ${T} *p = params + 4 * k;
    const ${T} scale = p[0];
    ${T} slope;
    if (m[5] == 0) {
        slope = J > 0 ? scale : 0;
    } else if (m[5] == 1) {
        const ${T} s = 1 / (1 + exp(-J));
        slope = scale * s * (1 - s);
    } else if (m[5] == 2) {
        const ${T} t = tanh(J);
        slope = scale * (1 - t * t);
    } else {  // LIF with a softplus-smoothed threshold, gated by logistic(z / s)^2
        const ${T} tau_rc = p[1], tau_ref = p[2], s = p[3];
        const ${T} z = (J - 1) / s;
        ${T} rho = s * (fmax(z, (${T})0) + log1p(exp(-fabs(z))));
        rho = fmax(rho, (${T})FLT_MIN);
        const ${T} period = tau_ref + tau_rc * log1p(1 / rho);
        const ${T} gate = 1 / (1 + exp(-z));
        slope = scale * tau_rc / (rho * (rho + 1) * period * period) * gate * gate;
    }
    data[m[2] + i * m[3]] = slope;
}
"""

_ENCODER_UPDATE_KERNEL = """
// One work-group of ${L} items per (operator, block of up to ${R} rows of E).
// E <- (1 - lambda) E + s u x^T (only if any(u != 0)); b <- b + v; the whole step is
// skipped (and counted) if u, v or, when learning, x is not finite.
__kernel void encoder_update(
    __global const int *meta,
    __global const ${T} *scales,
    __global const int *blocks,    // per work-group: operator, first row, number of rows
    __global ${T} *data)
{
${row_block()}
    const int e0 = m[0], n = m[1], d = m[2], es0 = m[3], es1 = m[4];
    const int u0 = m[5], us = m[6], x0 = m[7], xs = m[8];
    const int v0 = m[9], vs = m[10], b0 = m[11], bs = m[12], decay = m[13], skipped = m[14];

    __local int flags[${L}];
    int state = 0;  // bit 0: u has a nonzero entry; bit 1: u or v is not finite
    for (int i = lid; i < n; i += ${L}) {
        const ${T} u = data[u0 + i * us], v = data[v0 + i * vs];
        state |= (u != 0) | ((!isfinite(u) || !isfinite(v)) << 1);
    }
    flags[lid] = state;
${or_reduce()}
    const int learning = flags[0] & 1;
    int bad = flags[0] >> 1;
    barrier(CLK_LOCAL_MEM_FENCE);
    if (learning)
        for (int j = lid; j < d; j += ${L})
            bad |= !isfinite(data[x0 + j * xs]);
    flags[lid] = bad;
${or_reduce()}
    if (flags[0]) {
        if (r0 == 0 && lid == 0)
            data[skipped] += 1;
        return;
    }
    if (learning) {
        const ${T} s = scales[k];
        const ${T} lambda = data[decay];
        const ${T} keep = 1 - lambda;
        for (int r = r0; r < r1; ++r) {
            const ${T} su = s * data[u0 + r * us];
            __global ${T} *row = data + e0 + r * es0;
            for (int j = lid; j < d; j += ${L}) {
                const ${T} e = lambda != 0 ? row[j * es1] * keep : row[j * es1];
                row[j * es1] = e + su * data[x0 + j * xs];
            }
        }
    }
    for (int r = r0 + lid; r < r1; r += ${L})
        data[b0 + r * bs] += data[v0 + r * vs];
}
"""

_FEEDBACK_UPDATE_KERNEL = """
// B <- d B, then B[rows] += s u v^T, only if any(v != 0). Work-group per (op, row block).
__kernel void feedback_update(
    __global const int *meta,
    __global const ${T} *params,   // per op: s, d
    __global const int *blocks,
    __global ${T} *data)
{
${row_block()}
    const int b0 = m[0], cols = m[2], bs0 = m[3], bs1 = m[4];
    const int u0 = m[5], us = m[6], v0 = m[7], vs = m[8];
    const int first = m[9], step = m[10], count = m[11];

    __local int flags[${L}];
    int nonzero = 0;
    for (int j = lid; j < cols; j += ${L})
        nonzero |= (data[v0 + j * vs] != 0);
    flags[lid] = nonzero;
${or_reduce()}
    if (!flags[0]) return;
    const ${T} s = params[2 * k], decay = params[2 * k + 1];
    for (int r = r0; r < r1; ++r) {
        const int offset = r - first;
        const int q = offset / step;
        const int inside = offset >= 0 && offset % step == 0 && q < count;
        const ${T} su = inside ? s * data[u0 + q * us] : 0;
        __global ${T} *row = data + b0 + r * bs0;
        for (int j = lid; j < cols; j += ${L})
            row[j * bs1] = decay * row[j * bs1] + su * data[v0 + j * vs];
    }
}
"""

_GATED_DECAY_KERNEL = """
// x <- f x on steps where any(gate != 0). Work-group per (op, row block).
__kernel void gated_decay(
    __global const int *meta,
    __global const ${T} *factors,
    __global const int *blocks,
    __global ${T} *data)
{
${row_block()}
    const int x0 = m[0], cols = m[2], xs0 = m[3], xs1 = m[4], g0 = m[5], gs = m[6], gn = m[7];

    __local int flags[${L}];
    int nonzero = 0;
    for (int j = lid; j < gn; j += ${L})
        nonzero |= (data[g0 + j * gs] != 0);
    flags[lid] = nonzero;
${or_reduce()}
    if (!flags[0]) return;
    const ${T} f = factors[k];
    for (int r = r0; r < r1; ++r)
        for (int j = lid; j < cols; j += ${L})
            data[x0 + r * xs0 + j * xs1] *= f;
}
"""

_TRANSPOSED_DOT_KERNEL = """
// Y[j] += sum_i A[i, j] X[i]; one work item per (j, op).
__kernel void transposed_dot_inc(__global const int *meta, __global ${T} *data)
{
    const int j = get_global_id(0);
    const int k = get_global_id(1);
    __global const int *m = meta + 9 * k;
    const int a0 = m[0], rows = m[1], cols = m[2], as0 = m[3], as1 = m[4];
    if (j >= cols) return;
    const int x0 = m[5], xs = m[6], y0 = m[7], ys = m[8];
    ${T} sum = 0;
    for (int i = 0; i < rows; ++i)
        sum += data[a0 + i * as0 + j * as1] * data[x0 + i * xs];
    data[y0 + j * ys] += sum;
}
"""

_SIGN_GATED_KERNEL = """
// teaching[i] += sum_j M[i,j] [M[i,j] T[i,j] >= 0] e[j];  T[i,j] -= dt a[i] e[j].
__kernel void sign_gated_feedback(
    __global const int *meta, __global const ${T} *dts, __global ${T} *data)
{
    const int i = get_global_id(0);
    const int k = get_global_id(1);
    __global const int *m = meta + 15 * k;
    const int n = m[1], columns = m[2];
    if (i >= n) return;
    const int m0 = m[0], ms0 = m[3], ms1 = m[4], t0 = m[5], ts0 = m[6], ts1 = m[7];
    const int a0 = m[8], as = m[9], e0 = m[10], es = m[11], y0 = m[12], ys = m[13];
    const ${T} a = data[a0 + i * as], dt = dts[k];
    int finite = isfinite(a);
    for (int j = 0; j < columns; ++j)
        finite &= isfinite(data[e0 + j * es]);
    ${T} sum = 0;
    for (int j = 0; j < columns; ++j) {
        const ${T} mij = data[m0 + i * ms0 + j * ms1], e = data[e0 + j * es];
        __global ${T} *tij = data + t0 + i * ts0 + j * ts1;
        if (mij * *tij >= 0)
            sum += mij * e;
        if (finite)  // a NaN error must not stay in the trace
            *tij -= dt * a * e;
    }
    data[y0 + i * ys] += sum;
}
"""

_FORWARD_MATRIX_KERNEL = """
// out[i, j] = scale * g(F[j, i]), g = sign or identity, F the forward matrix:
// W[j, i]; sum_m E[j, m] W[m, i]; diag(w)[j, i]; or E[j, i] w[i] (w a vector or scalar).
__kernel void forward_matrix(
    __global const int *meta, __global const ${T} *scales, __global ${T} *data)
{
    const int ij = get_global_id(0);
    const int k = get_global_id(1);
    __global const int *m = meta + 16 * k;
    const int o0 = m[0], n_pre = m[1], n_out = m[2], os0 = m[3], os1 = m[4];
    if (ij >= n_pre * n_out) return;
    const int i = ij / n_out, j = ij % n_out;
    const int w0 = m[5], ws0 = m[6], ws1 = m[7], w_matrix = m[8];
    const int has_e = m[9], e0 = m[10], es0 = m[11], es1 = m[12], e_cols = m[13], sign = m[14];
    ${T} f;
    if (w_matrix) {
        if (has_e) {
            f = 0;
            for (int q = 0; q < e_cols; ++q)
                f += data[e0 + j * es0 + q * es1] * data[w0 + q * ws0 + i * ws1];
        } else {
            f = data[w0 + j * ws0 + i * ws1];
        }
    } else {
        const ${T} w = data[w0 + i * ws0];  // ws0 = 0 for a scalar
        f = has_e ? data[e0 + j * es0 + i * es1] * w : (i == j ? w : 0);
    }
    if (sign)
        f = f > 0 ? 1 : (f < 0 ? -1 : 0);
    data[o0 + i * os0 + j * os1] = scales[k] * f;
}
"""


def _halves(size):
    return [size >> i for i in range(1, size.bit_length()) if size >> i > 0]


class Simulator(nengo_ocl.Simulator):
    """`nengo_ocl.Simulator` that also runs nengo-fa's operators (see the module docstring).

    Parameters are those of `nengo_ocl.Simulator`. Without ``context``, the
    OpenCL context is chosen from ``PYOPENCL_CTX`` without prompting.
    """

    #: Work-group size and rows per work-group of the row-blocked kernels.
    local_size = 64
    rows_per_group = 16

    def __init__(
        self,
        network,
        dt=0.001,
        seed=None,
        model=None,
        context=None,
        n_prealloc_probes=32,
        profiling=None,
        if_python_code="none",
        planner=greedy_planner,
        progress_bar=True,
    ):
        self._host_groups = []
        if context is None and nengo_ocl.Simulator.some_context is None:
            nengo_ocl.Simulator.some_context = cl.create_some_context(interactive=False)
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="This version of `nengo_ocl` has not been")
            super().__init__(
                network,
                dt=dt,
                seed=seed,
                model=model,
                context=context,
                n_prealloc_probes=n_prealloc_probes,
                profiling=profiling,
                if_python_code=if_python_code,
                planner=planner,
                progress_bar=progress_bar,
            )

    def reset(self, seed=None):
        super().reset(seed=seed)
        for group in self._host_groups:
            group.make_steps()

    def run_steps(self, steps, progress_bar=None):
        """As `nengo_ocl.Simulator.run_steps`, but ``progress_bar=None`` (the default)
        uses the simulator's ``progress_bar``, as `nengo.Simulator` does."""
        super().run_steps(steps, progress_bar=progress_bar)

    # --- dispatch -------------------------------------------------------------------

    def _plan_op_group(self, op_type, ops):
        plan = getattr(self, "_plan_" + op_type.__name__, None)
        if plan is not None:
            return plan(ops)
        if not issubclass(op_type, HOST_OPERATORS):
            warnings.warn(
                f"nengo_fa.ocl: no OpenCL plan for {op_type.__name__}; running its NumPy "
                f"make_step on the host ({len(ops)} operator(s), copying their signals "
                "to and from the device every step).",
                stacklevel=2,
            )
        return self._plan_on_host(ops, op_type.__name__)

    def _plan_on_host(self, ops, tag):
        group = _HostGroup(self, ops, seed=self.rng.randint(np.iinfo(np.int32).max))
        self._host_groups.append(group)
        return [PythonPlan(group, name="nengo_fa_host", tag=tag)]

    def _plan_SimNeurons(self, ops):
        """nengo-ocl's neuron plans; neuron types it lacks (e.g. Tanh) run on the host."""
        native = [op for op in ops if hasattr(self, f"_plan_{type(op.neurons).__name__}")]
        others = [op for op in ops if op not in native]
        plans = super()._plan_SimNeurons(native) if native else []
        if others:
            names = ", ".join(sorted({type(op.neurons).__name__ for op in others}))
            warnings.warn(
                f"nengo_fa.ocl: nengo-ocl has no OpenCL plan for {names} neurons; simulating "
                "them on the host every step (correct, but slow).",
                stacklevel=2,
            )
            plans += self._plan_on_host(others, "SimNeurons")
        return plans

    # --- layout helpers -------------------------------------------------------------

    def _layout(self, sig):
        """``(start, shape0, shape1, stride0, stride1)`` of ``sig`` in ``all_data``."""
        data, i = self.all_data, self.sidx[sig]
        return tuple(
            int(a[i])
            for a in (data.starts, data.shape0s, data.shape1s, data.stride0s, data.stride1s)
        )

    def _vector(self, sig):
        """``(start, stride)`` of a vector (or scalar) signal."""
        start, _, shape1, stride0, _ = self._layout(sig)
        assert shape1 == 1, sig
        return start, stride0

    def _kernel(self, source, name, **render):
        if "halves" in render:  # a row-blocked kernel
            source = _ROW_BLOCK_DEFS + source
        text = Template(source).render(T=self.all_data.ctype, **render)
        return getattr(cl.Program(self.context, text).build(), name)

    def _plan(self, kernel, args, gsize, lsize, name, ops):
        device_args = [
            cl.array.to_device(self.queue, a) if isinstance(a, np.ndarray) else a for a in args
        ]
        kernel.set_args(*[a.data if hasattr(a, "data") else a for a in device_args])
        plan = Plan(self.queue, kernel, gsize, lsize, name=name, tag=f"{len(ops)} ops")
        plan.full_args = device_args  # keeps the device arrays alive
        return plan

    def _row_blocks(self, rows):
        """Work-group table ``(op, first row, n rows)`` for ops with these row counts."""
        size = self.rows_per_group
        blocks = [(k, r, min(size, n - r)) for k, n in enumerate(rows) for r in range(0, n, size)]
        return np.array(blocks, dtype=np.int32).reshape(-1, 3)

    def _local_size(self):
        return min(self.local_size, self.queue.device.max_work_group_size)

    def _scalars(self, values):
        return np.array(values, dtype=self.all_data.dtype)

    # --- plans ----------------------------------------------------------------------

    def _plan_SimRateSlope(self, ops):
        native = [(op, native_slope(op.derivative)) for op in ops]
        on_device = [(op, kind) for op, kind in native if kind is not None]
        on_host = [op for op, kind in native if kind is None]
        plans = []
        if on_host:
            names = sorted({repr(op.derivative) for op in on_host})
            warnings.warn(
                f"nengo_fa.ocl: {', '.join(names)} has no OpenCL implementation; computing "
                "it on the host every step (correct, but slow). Use a neuron type with a "
                "built-in derivative to keep everything on the device.",
                stacklevel=2,
            )
            plans += self._plan_on_host(on_host, "SimRateSlope")
        if on_device:
            meta = np.array(
                [
                    (*self._vector(op.J), *self._vector(op.slope), op.J.size, kind[0])
                    for op, kind in on_device
                ],
                dtype=np.int32,
            )
            params = self._scalars(
                [(*kind[1:], derivatives.LIF_SMOOTHING) for _, kind in on_device]
            )
            kernel = self._kernel(_SLOPE_KERNEL, "rate_slope")
            gsize = (max(op.J.size for op, _ in on_device), len(on_device))
            args = [meta, params, self.all_data.cl_buf]
            plans.append(self._plan(kernel, args, gsize, None, "cl_rate_slope", on_device))
        return plans

    def _plan_SimEncoderUpdate(self, ops):
        L, M = self._local_size(), 16
        meta = np.zeros((len(ops), M), dtype=np.int32)
        for k, op in enumerate(ops):
            meta[k, :5] = self._layout(op.encoders)
            meta[k, 5:7] = self._vector(op.encoder_step)
            meta[k, 7:9] = self._vector(op.x)
            meta[k, 9:11] = self._vector(op.bias_step)
            meta[k, 11:13] = self._vector(op.bias)
            meta[k, 13] = self._vector(op.decay)[0]
            meta[k, 14] = self._vector(op.skipped)[0]
        blocks = self._row_blocks([op.encoders.shape[0] for op in ops])
        kernel = self._kernel(
            _ENCODER_UPDATE_KERNEL,
            "encoder_update",
            L=L,
            R=self.rows_per_group,
            M=M,
            halves=_halves(L),
        )
        args = [
            meta,
            self._scalars([op.encoder_scale for op in ops]),
            blocks,
            self.all_data.cl_buf,
        ]
        return [self._plan(kernel, args, (L, len(blocks)), (L, 1), "cl_encoder_update", ops)]

    def _plan_SimFeedbackUpdate(self, ops):
        L, M = self._local_size(), 12
        meta = np.zeros((len(ops), M), dtype=np.int32)
        for k, op in enumerate(ops):
            meta[k, :5] = self._layout(op.B)
            meta[k, 5:7] = self._vector(op.u)
            meta[k, 7:9] = self._vector(op.v)
            rows = range(op.B.shape[0])[op.rows]
            meta[k, 9:12] = rows.start, rows.step, len(rows)
        blocks = self._row_blocks([op.B.shape[0] for op in ops])
        kernel = self._kernel(
            _FEEDBACK_UPDATE_KERNEL, "feedback_update", L=L, M=M, halves=_halves(L)
        )
        params = self._scalars([(op.scale, op.decay) for op in ops])
        args = [meta, params, blocks, self.all_data.cl_buf]
        return [self._plan(kernel, args, (L, len(blocks)), (L, 1), "cl_feedback_update", ops)]

    def _plan_SimGatedDecay(self, ops):
        L, M = self._local_size(), 8
        meta = np.zeros((len(ops), M), dtype=np.int32)
        for k, op in enumerate(ops):
            meta[k, :5] = self._layout(op.x)
            meta[k, 5:7] = self._vector(op.gate)
            meta[k, 7] = op.gate.size
        blocks = self._row_blocks([self._layout(op.x)[1] for op in ops])
        kernel = self._kernel(_GATED_DECAY_KERNEL, "gated_decay", L=L, M=M, halves=_halves(L))
        args = [meta, self._scalars([op.factor for op in ops]), blocks, self.all_data.cl_buf]
        return [self._plan(kernel, args, (L, len(blocks)), (L, 1), "cl_gated_decay", ops)]

    def _plan_TransposedDotInc(self, ops):
        meta = np.array(
            [(*self._layout(op.A), *self._vector(op.X), *self._vector(op.Y)) for op in ops],
            dtype=np.int32,
        )
        kernel = self._kernel(_TRANSPOSED_DOT_KERNEL, "transposed_dot_inc")
        gsize = (max(op.Y.size for op in ops), len(ops))
        return [self._plan(kernel, [meta, self.all_data.cl_buf], gsize, None, "cl_At_dot", ops)]

    def _plan_SimSignGatedFeedback(self, ops):
        meta = np.zeros((len(ops), 15), dtype=np.int32)
        for k, op in enumerate(ops):
            meta[k, :5] = self._layout(op.matrix)
            start, _, _, stride0, stride1 = self._layout(op.trace)
            meta[k, 5:8] = start, stride0, stride1
            meta[k, 8:10] = self._vector(op.activities)
            meta[k, 10:12] = self._vector(op.error)
            meta[k, 12:14] = self._vector(op.teaching)
        kernel = self._kernel(_SIGN_GATED_KERNEL, "sign_gated_feedback")
        gsize = (max(op.matrix.shape[0] for op in ops), len(ops))
        args = [meta, self._scalars([self.dt] * len(ops)), self.all_data.cl_buf]
        return [self._plan(kernel, args, gsize, None, "cl_sign_gated_feedback", ops)]

    def _plan_SimForwardMatrix(self, ops):
        meta = np.zeros((len(ops), 16), dtype=np.int32)
        for k, op in enumerate(ops):
            meta[k, :5] = self._layout(op.out)
            start, _, _, stride0, stride1 = self._layout(op.weights)
            w_matrix = op.weights.ndim == 2
            meta[k, 5:9] = start, stride0 if op.weights.size > 1 else 0, stride1, w_matrix
            if op.next_encoders is not None:
                e0, _, e_cols, es0, es1 = self._layout(op.next_encoders)
                meta[k, 9:14] = 1, e0, es0, es1, e_cols
            meta[k, 14] = op.sign
        kernel = self._kernel(_FORWARD_MATRIX_KERNEL, "forward_matrix")
        gsize = (max(op.out.size for op in ops), len(ops))
        args = [meta, self._scalars([op.scale for op in ops]), self.all_data.cl_buf]
        return [self._plan(kernel, args, gsize, None, "cl_forward_matrix", ops)]
