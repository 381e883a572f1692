"""Student-teacher soft committee machines: feedback alignment against backprop.

The setting of the slides (after Saad & Solla 1995 and Refinetti et al. 2021):
a *student* two-layer network with K hidden units learns online, from a fresh
Gaussian input every simulation step, to reproduce a fixed *teacher* of the
same shape (M hidden units). Both use :math:`g(u) = \\mathrm{erf}(u/\\sqrt 2)`
hidden units and sum their hidden activities (the teacher's second-layer
weights are all 1), so the generalization error is known exactly from the
order parameters (`soft_committee_generalization_error`).

Units: the input node emits :math:`\\mathbf{x} = \\boldsymbol{\\xi}/\\sqrt N` with
:math:`\\boldsymbol{\\xi} \\sim N(0, I_N)`. The student is a `nengo.Ensemble` of
K `Erf` rate neurons with gain 1, bias 0, radius 1 and unnormalized encoders,
so its scaled encoders *are* its first-layer weights :math:`\\mathbf{w}_i` and
:math:`J_i = \\mathbf{w}_i \\cdot \\mathbf{x}`; the teacher (a Node) computes
:math:`\\sum_n g(\\mathbf{B}_n \\cdot \\mathbf{x})`. Order parameters
:math:`R = W B^T / N`, :math:`Q = W W^T / N`, :math:`T = B B^T / N`.

Initial conditions as the slides: teacher rows orthogonal with norm
:math:`\\sqrt N` (:math:`T = I`), student rows orthogonal to them and to each
other with norm :math:`\\sqrt{0.2 N}` (:math:`R = 0`, :math:`Q = 0.2 I`, by
QR / Gram-Schmidt). The student's second-layer weights :math:`\\mathbf{v}`
start at **zero** and are learned with `nengo.PES` at rate :math:`\\eta / N`
(so both layers move on the time scale :math:`\\alpha = \\text{steps}/N`).
The first layer learns with `nengo_fa.BackpropEncoder` (teaching vector: the
live :math:`\\mathbf{v}`) or `nengo_fa.FeedbackAlignment` with a fixed random
feedback vector :math:`\\mathbf{b}` (shape (K, 1), entries N(0, 1)); both with
the SGD step :math:`\\Delta \\mathbf{w}_i = -\\eta\\, e\\, m_i\\, g'(J_i)\\, \\mathbf{x}`
(:math:`m = \\mathbf{v}` or :math:`\\mathbf{b}`, :math:`e` = student - teacher),
which fixes the rules' normalized ``learning_rate`` (see `learning_rates`).

Tracked: :math:`R`, :math:`Q`, the alignment
:math:`F = \\cos(\\mathbf{v}, \\mathbf{b})` (cosine between the student's
second-layer weights and FA's feedback vector; for BP the same
:math:`\\mathbf{b}` serves as a control) and the exact
:math:`\\epsilon_g`.

    nengo examples/student_teacher.py            # Nengo GUI: the FA student learning
    python examples/student_teacher.py           # both rules, table and figures
"""

import argparse
import functools
import pathlib
import time
import warnings

import nengo
import numpy as np
from scipy.special import erf, erfinv

import nengo_fa
from nengo_fa.networks import GaussianInput

SQRT2 = np.sqrt(2.0)


def overlaps(student, teacher):
    r"""Order parameters of a student-teacher pair of first-layer weights.

    .. math:: R = \frac{J B^\top}{N}, \quad Q = \frac{J J^\top}{N}, \quad
              T = \frac{B B^\top}{N}

    for student weights :math:`J` and teacher weights :math:`B`.

    Parameters
    ----------
    student : array_like, shape (K, N)
    teacher : array_like, shape (M, N)

    Returns
    -------
    dict
        ``"R"`` (K, M), ``"Q"`` (K, K) and ``"T"`` (M, M).
    """
    student = np.asarray(student, dtype=float)
    teacher = np.asarray(teacher, dtype=float)
    n_inputs = student.shape[1]
    if teacher.shape[1] != n_inputs:
        raise ValueError(f"student has {n_inputs} inputs, teacher {teacher.shape[1]}")
    return {
        "R": student @ teacher.T / n_inputs,
        "Q": student @ student.T / n_inputs,
        "T": teacher @ teacher.T / n_inputs,
    }


def _erf_correlation(cross, var_u, var_z):
    r"""Closed-form :math:`E[g(u) g(z)]` for :math:`g(x) = \mathrm{erf}(x / \sqrt{2})`.

    ``cross[i, j]`` is the covariance of :math:`u_i` and :math:`z_j`, ``var_u`` and
    ``var_z`` the variances.
    """
    scale = np.sqrt(np.outer(1 + var_u, 1 + var_z))
    return 2 / np.pi * np.arcsin(cross / scale)


def soft_committee_generalization_error(Q, R, T, v=None, w=None):
    r"""Exact generalization error of a soft committee machine learning a teacher.

    Student output :math:`\sum_i w_i g(x_i)`, teacher output
    :math:`\sum_n v_n g(y_n)`, with :math:`g(x) = \mathrm{erf}(x / \sqrt{2})` and
    hidden fields :math:`x = J\xi / \sqrt{N}`, :math:`y = B\xi / \sqrt{N}` of
    standard normal inputs :math:`\xi \in \mathbb{R}^N`, so that :math:`Q, R, T`
    (see `overlaps`) are the covariances of the fields. Then
    :math:`\epsilon_g = \frac{1}{2} E[(\text{student} - \text{teacher})^2]` is

    .. math:: \epsilon_g = \frac{1}{2} \Big[ \sum_{ik} w_i w_k I(Q_{ik}, Q_{ii}, Q_{kk})
              + \sum_{nm} v_n v_m I(T_{nm}, T_{nn}, T_{mm})
              - 2 \sum_{in} w_i v_n I(R_{in}, Q_{ii}, T_{nn}) \Big]

    with :math:`I(c, a, b) = \frac{2}{\pi} \arcsin \frac{c}{\sqrt{(1 + a)(1 + b)}}`
    (Saad & Solla 1995).

    Parameters
    ----------
    Q : array_like, shape (K, K)
    R : array_like, shape (K, M)
    T : array_like, shape (M, M)
    v : array_like, shape (M,), optional
        Teacher second-layer weights; all ones by default.
    w : array_like, shape (K,), optional
        Student second-layer weights; all ones by default.

    Returns
    -------
    float
    """
    Q, R, T = (np.asarray(x, dtype=float) for x in (Q, R, T))
    q, t = np.diag(Q), np.diag(T)
    w = np.ones(len(q)) if w is None else np.asarray(w, dtype=float)
    v = np.ones(len(t)) if v is None else np.asarray(v, dtype=float)
    student_student = w @ _erf_correlation(Q, q, q) @ w
    teacher_teacher = v @ _erf_correlation(T, t, t) @ v
    student_teacher = w @ _erf_correlation(R, q, t) @ v
    return float(0.5 * (student_student + teacher_teacher - 2 * student_teacher))


def order_parameter_panels(times, R, Q, F, eps_g, xlabel="time (s)"):
    """Four panels of student-teacher order parameters over time.

    Panels: the student-teacher overlaps :math:`R_{in}`; the student
    self-overlaps :math:`Q_{ik}` (diagonal solid, off-diagonal dashed); the
    overlap :math:`F` of the second-layer weights with the feedback vector; and
    the generalization error on a log scale. Indices in the legends count from 1;
    a panel with more than ten curves gets no legend.

    Parameters
    ----------
    times : array_like, shape (n_times,)
    R : array_like, shape (n_times, K, M)
    Q : array_like, shape (n_times, K, K)
    F : array_like, shape (n_times,)
    eps_g : array_like, shape (n_times,)
    xlabel : str

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    R, Q = np.asarray(R), np.asarray(Q)
    fig, ((ax_r, ax_q), (ax_f, ax_eps)) = plt.subplots(2, 2, sharex=True, figsize=(9, 6))
    for i, n in np.ndindex(R.shape[1:]):
        ax_r.plot(times, R[:, i, n], label=f"$R_{{{i + 1},{n + 1}}}$")
    n_student = Q.shape[1]
    for i in range(n_student):
        for k in range(i, n_student):
            linestyle = "-" if i == k else "--"
            ax_q.plot(times, Q[:, i, k], linestyle=linestyle, label=f"$Q_{{{i + 1},{k + 1}}}$")
    ax_f.plot(times, F)
    ax_eps.plot(times, eps_g)
    ax_eps.set_yscale("log")
    for ax, ylabel in [(ax_r, "R"), (ax_q, "Q"), (ax_f, "F"), (ax_eps, r"$\epsilon_g$")]:
        ax.set_ylabel(ylabel)
    for ax in (ax_r, ax_q):
        if len(ax.lines) <= 10:
            ax.legend(fontsize="small")
    for ax in (ax_f, ax_eps):
        ax.set_xlabel(xlabel)
    fig.tight_layout()
    return fig


#: Labels of the two first-layer rules.
RULES = {"fa": "feedback alignment", "bp": "backprop"}


class Erf(nengo.neurons.NeuronType):
    """Rate neurons with the soft committee machine's curve, ``erf(J / sqrt(2))``.

    Rates lie in (-1, 1); ``max_rates`` must be below 1.
    """

    negative = True

    def gain_bias(self, max_rates, intercepts):
        """Gain and bias putting ``g = 0`` at the intercept and ``g = max_rate`` at 1."""
        max_rates = np.asarray(np.atleast_1d(max_rates), dtype=float)
        intercepts = np.asarray(np.atleast_1d(intercepts), dtype=float)
        gain = SQRT2 * erfinv(max_rates) / (1.0 - intercepts)
        return gain, -gain * intercepts

    def max_rates_intercepts(self, gain, bias):
        """The inverse of `gain_bias`."""
        return erf((gain + bias) / SQRT2), -bias / gain

    def step(self, dt, J, output):
        """Rates ``erf(J / sqrt(2))``."""
        output[...] = erf(J / SQRT2)


@nengo_fa.register_derivative(Erf)
def erf_derivative(neuron_type, J):
    """Slope of ``erf(J / sqrt 2)``: ``sqrt(2 / pi) exp(-J^2 / 2)``."""
    return np.sqrt(2.0 / np.pi) * np.exp(-0.5 * np.asarray(J) ** 2)


def g(u):
    """The hidden units' activation, ``erf(u / sqrt 2)``."""
    return erf(u / SQRT2)


def initial_weights(n_inputs, n_hidden, n_teacher, q0=0.2, seed=0):
    """Teacher ``(M, N)`` and student ``(K, N)`` first-layer weights.

    QR (Gram-Schmidt) of a Gaussian matrix gives orthonormal rows; the teacher
    gets norm sqrt(N) (T = I), the student sqrt(q0 N) (R = 0, Q = q0 I).
    """
    rng = np.random.RandomState(seed)
    basis, _ = np.linalg.qr(rng.standard_normal((n_inputs, n_teacher + n_hidden)))
    teacher = np.sqrt(n_inputs) * basis[:, :n_teacher].T
    student = np.sqrt(q0 * n_inputs) * basis[:, n_teacher:].T
    return teacher, student


def learning_rates(student, eval_points, eta, dt=0.001):
    """The rule's ``learning_rate`` kappa and FA's feedback rescaling for SGD step ``eta``.

    With the documented normalization (`nengo_fa.learning_rules`), the step
    size is ``C = kappa dt n s_J^2`` and FA's teaching vector is ``s_B b`` with
    ``s_B = 1 / (n s_r)``; ``s_r`` (RMS rate) and ``s_J`` (``s_r`` over the RMS
    slope) are taken over the evaluation points. Returns ``(kappa, s_B)``, so
    that ``C = eta`` and ``feedback = b / s_B`` makes the teaching vector ``b``.
    """
    current = eval_points @ student.T
    n = len(student)
    rate_scale = np.sqrt(np.mean(g(current) ** 2))
    slope_scale = np.sqrt(np.mean(erf_derivative(None, current) ** 2))
    current_scale = rate_scale / slope_scale
    return eta / (dt * n * current_scale**2), 1.0 / (n * rate_scale)


def build_model(
    rule="fa",
    n_inputs=500,
    n_hidden=5,
    n_teacher=5,
    eta=0.5,
    second_layer_eta=None,
    q0=0.2,
    second_layer_init=0.0,
    sample_every=None,
    seed=0,
    dt=0.001,
):
    """A student learning a teacher with rule ``"fa"`` or ``"bp"``; see the module docstring.

    ``second_layer_eta`` defaults to ``eta / n_inputs``. With ``sample_every``
    (seconds), the student's weights are probed as ``net.p_encoders`` and
    ``net.p_second``, and the second-layer weights also every 10 steps as
    ``net.p_second_fine``. The network has attributes ``x``, ``teacher``, ``student``,
    ``output``, ``error``, ``readout`` (second layer, PES), ``layer`` (first
    layer, carrying the rule), ``teacher_weights``, ``student_weights`` (initial),
    ``feedback`` (b; for BP the control vector) and ``eta``.
    """
    if rule not in RULES:
        raise ValueError(f"rule must be one of {sorted(RULES)}, got {rule!r}")
    second_layer_eta = eta / n_inputs if second_layer_eta is None else second_layer_eta
    teacher_weights, student_weights = initial_weights(n_inputs, n_hidden, n_teacher, q0, seed)
    rng = np.random.RandomState(seed + 1)
    feedback = rng.standard_normal(n_hidden)
    eval_points = rng.standard_normal((1000, n_inputs)) / np.sqrt(n_inputs)
    kappa, feedback_scale = learning_rates(student_weights, eval_points, eta, dt)

    with nengo.Network(label=f"student-teacher ({rule})", seed=seed) as net:
        net.x = nengo.Node(GaussianInput(n_inputs, normalized=True, seed=seed), label="x")
        net.teacher = nengo.Node(
            lambda t, x: np.sum(g(teacher_weights @ x)), size_in=n_inputs, label="teacher"
        )
        net.student = nengo.Ensemble(
            n_hidden,
            n_inputs,
            neuron_type=Erf(),
            encoders=student_weights,
            normalize_encoders=False,
            gain=np.ones(n_hidden),
            bias=np.zeros(n_hidden),
            radius=1.0,
            eval_points=eval_points,
            label="student",
        )
        net.output = nengo.Node(size_in=1, label="output")
        net.error = nengo.Node(size_in=1, label="error")
        nengo.Connection(net.x, net.teacher, synapse=None)
        nengo.Connection(net.output, net.error, synapse=None)
        nengo.Connection(net.teacher, net.error, transform=-1, synapse=None)

        # PES: dv = -lr dt / K * e * g(J), so lr = eta_v K / dt (above 1: Nengo warns)
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", "This learning rate is very high")
            pes = nengo.PES(second_layer_eta * n_hidden / dt, pre_synapse=None)
        net.readout = nengo.Connection(
            net.student.neurons,
            net.output,
            transform=np.full((1, n_hidden), float(second_layer_init)),
            synapse=None,
            learning_rule_type=pes,
            label="second layer",
        )
        if rule == "fa":
            rule_type = nengo_fa.FeedbackAlignment(
                downstream=net.readout,
                learning_rate=kappa,
                feedback=feedback[:, None] / feedback_scale,
                sign_gate=False,  # the theory's rule: the fixed feedback alone
                learn_bias=False,
            )
        else:
            rule_type = nengo_fa.BackpropEncoder(
                net.readout, learning_rate=kappa, learn_bias=False
            )
        net.layer = nengo.Connection(
            net.x, net.student, synapse=None, learning_rule_type=rule_type, label="first layer"
        )
        nengo.Connection(net.error, net.readout.learning_rule, synapse=None)
        nengo.Connection(net.error, net.layer.learning_rule, synapse=None)
        if sample_every is not None:
            net.p_encoders = nengo.Probe(net.student, "scaled_encoders", sample_every=sample_every)
            net.p_second = nengo.Probe(net.readout, "weights", sample_every=sample_every)
            # K numbers: cheap to sample finely, for the fast alignment phase
            net.p_second_fine = nengo.Probe(net.readout, "weights", sample_every=10 * dt)
    net.teacher_weights, net.student_weights = teacher_weights, student_weights
    net.feedback, net.eta = feedback, eta
    return net


def order_parameters(first_layer, second_layer, teacher_weights, feedback):
    """R, Q, F and the exact generalization error for a series of student weights.

    ``first_layer`` is ``(n_times, K, N)``, ``second_layer`` ``(n_times, K)``.
    ``F`` is the cosine between the second-layer weights and ``feedback`` (NaN
    while they are zero). Returns a dict of arrays over time.
    """
    R, Q, F, eps = [], [], [], []
    for w, v in zip(first_layer, second_layer, strict=True):
        o = overlaps(w, teacher_weights)
        R.append(o["R"])
        Q.append(o["Q"])
        norm = np.linalg.norm(v) * np.linalg.norm(feedback)
        F.append(v @ feedback / norm if norm > 0 else np.nan)
        eps.append(soft_committee_generalization_error(o["Q"], o["R"], o["T"], w=v))
    return {
        "R": np.array(R),
        "Q": np.array(Q),
        "F": np.array(F),
        "eps_g": np.array(eps),
        "v": np.asarray(second_layer),
    }


def initial_state(sim, net):
    """The student's first- and second-layer weights at build time (t = 0)."""
    return sim.data[net.student].scaled_encoders, sim.data[net.readout].weights[0]


def cosine_to(vectors, feedback):
    """Cosine of each row of ``vectors`` with ``feedback`` (NaN for zero rows)."""
    norms = np.linalg.norm(vectors, axis=1) * np.linalg.norm(feedback)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(norms > 0, vectors @ feedback / norms, np.nan)


def run(net, steps, dt=0.001):
    """Simulate ``steps`` steps; return times (s, from 0), the order parameters and fine F.

    The order parameters (see `order_parameters`) start with the build-time
    weights at t = 0; ``fine`` is ``(times, F)`` from the second-layer weights
    sampled every 10 steps.
    """
    with nengo.Simulator(net, dt=dt, progress_bar=False) as sim:
        first, second = initial_state(sim, net)
        sim.run_steps(steps)
        times = np.concatenate([[0.0], sim.trange(sample_every=net.p_encoders.sample_every)])
        first = np.concatenate([first[None], sim.data[net.p_encoders]])
        second = np.concatenate([second[None], sim.data[net.p_second][:, 0]])
        fine_times = sim.trange(sample_every=net.p_second_fine.sample_every)
        fine = cosine_to(sim.data[net.p_second_fine][:, 0], net.feedback)
    params = order_parameters(first, second, net.teacher_weights, net.feedback)
    return times, params, (fine_times, fine)


model = build_model("fa")


def student_teacher_figure(alpha, params, title):
    """`order_parameter_panels` against alpha, with panel titles for K = M = 5."""
    fig = order_parameter_panels(
        alpha,
        params["R"],
        params["Q"],
        params["F"],
        params["eps_g"],
        xlabel=r"$\alpha$ = steps / N",
    )
    fig.set_size_inches(10, 6.5)
    ax_r, ax_q, ax_f, _ = fig.axes
    ax_r.set_title(r"$R_{in}$, one line per (i, n)", fontsize="medium")
    ax_q.set_title(r"$Q_{ik}$: diagonal solid, off-diagonal dashed", fontsize="medium")
    ax_f.set_ylabel(r"F = cos($\mathbf{v}$, $\mathbf{b}$)")
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def main():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=1_000_000, help="online steps per rule")
    parser.add_argument("--inputs", type=int, default=500, help="N")
    parser.add_argument("--hidden", type=int, default=5, help="K = M")
    parser.add_argument("--eta", type=float, default=0.5, help="SGD step of the first layer")
    parser.add_argument("--samples", type=int, default=1000, help="samples of the weights")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--align-seeds", type=int, default=10, help="seeds of the short alignment runs"
    )
    parser.add_argument("--out", default="docs/figures")
    args = parser.parse_args()
    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    dt = 0.001
    sample_every = dt * max(1, args.steps // args.samples)
    sizes = dict(n_inputs=args.inputs, n_hidden=args.hidden, n_teacher=args.hidden)
    model = functools.partial(build_model, eta=args.eta, **sizes)
    results = {}
    for rule in RULES:
        net = model(rule, sample_every=sample_every, seed=args.seed)
        start = time.perf_counter()
        times, params, (fine_times, fine_f) = run(net, args.steps, dt=dt)
        params.update(
            wall=time.perf_counter() - start,
            alpha=times / (dt * args.inputs),
            fine_alpha=fine_times / (dt * args.inputs),
            fine_F=fine_f,
        )
        results[rule] = params
        label = "FA" if rule == "fa" else "BP (F: b is a control)"
        fig = student_teacher_figure(
            params["alpha"], params, f"Student-teacher (K = M = {args.hidden}), {label}"
        )
        fig.savefig(out / f"student_teacher_{rule}.png", dpi=120)
        plt.close(fig)
    feedback = net.feedback
    sign_limit = cosine_to(np.sign(feedback)[None], feedback)[0]

    fig, ax = plt.subplots(figsize=(6, 4))
    for rule, params in results.items():
        ax.plot(params["alpha"], params["eps_g"], label=RULES[rule])
    ax.set_yscale("log")
    ax.set_xlabel(r"$\alpha$ = steps / N")
    ax.set_ylabel(r"$\epsilon_g$ (exact, from R, Q, v)")
    ax.set_title(f"Student-teacher (K = {args.hidden}): FA vs. BP generalization error")
    ax.legend()
    fig.tight_layout()
    fig.savefig(out / "student_teacher_eps_g.png", dpi=120)
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(6, 4))
    for rule, params in results.items():
        label = RULES[rule] + ("" if rule == "fa" else " (control: b unused)")
        ax.plot(params["fine_alpha"], params["fine_F"], label=label)
    ax.axhline(sign_limit, color="gray", linestyle="--", linewidth=1, label="cos(sign b, b)")
    ax.set_xscale("log")
    ax.set_xlabel(r"$\alpha$ = steps / N")
    ax.set_ylabel(r"F = cos($\mathbf{v}$, $\mathbf{b}$)")
    ax.set_title("Second-layer weights align with the feedback vector")
    ax.legend()
    fig.tight_layout()
    fig.savefig(out / "student_teacher_alignment.png", dpi=120)
    plt.close(fig)

    alpha_end = results["fa"]["alpha"][-1]
    print(
        f"Student-teacher, N={args.inputs}, K=M={args.hidden}, g=erf(x/sqrt 2), eta={args.eta} "
        f"(first layer), eta/N (second layer, PES, from v=0), {args.steps} steps "
        f"(alpha={alpha_end:.0f}) per rule, seed {args.seed}\n"
    )
    checkpoints = [a for a in (1, 10, 100, 1000) if a <= alpha_end]
    head = "".join(f" F(alpha={a}) |" for a in checkpoints)
    print(f"| rule | eps_g(0) | eps_g final | {head} F final | max R_in final | wall s |")
    print("|---|---|---|" + "---|" * len(checkpoints) + "---|---|---|")
    for rule, p in results.items():
        at = "".join(
            f" {p['fine_F'][np.searchsorted(p['fine_alpha'], a)]:.3f} |" for a in checkpoints
        )
        print(
            f"| {RULES[rule]} | {p['eps_g'][0]:.4f} | {p['eps_g'][-1]:.2e} |{at} "
            f"{p['F'][-1]:.3f} | {np.abs(p['R'][-1]).max():.3f} | {p['wall']:.0f} |"
        )
    print(
        "\nF = cos(v, b): student's second-layer weights v against FA's feedback vector b "
        f"(for BP, b is not used: a control). cos(sign b, b) = {sign_limit:.3f} is F when "
        "v = sign(b), the specialized solution FA must reach (|v_i| -> 1)."
    )
    for rule, p in results.items():
        print(f"{RULES[rule]}: v final = {np.round(p['v'][-1], 3).tolist()}")
    print(f"b = {np.round(feedback, 3).tolist()}")

    if args.align_seeds:
        alphas = (0.1, 1, 10)
        steps = int(max(alphas) * args.inputs) + 10
        print(
            f"\nAlignment over seeds 0..{args.align_seeds - 1} (new teacher, student, b and "
            f"inputs each), runs of {steps} steps: F = cos(v, b), mean +- sd\n"
        )
        print("| rule |" + "".join(f" F(alpha={a}) |" for a in alphas))
        print("|---|" + "---|" * len(alphas))
        for rule in RULES:
            values = []
            for seed in range(args.align_seeds):
                net = model(rule, sample_every=dt * steps, seed=seed)
                _, _, (fine_times, fine_f) = run(net, steps, dt=dt)
                at = np.searchsorted(fine_times / (dt * args.inputs), alphas)
                values.append(fine_f[at])
            mean, sd = np.mean(values, axis=0), np.std(values, axis=0)
            cells = "".join(f" {m:.3f} +- {d:.3f} |" for m, d in zip(mean, sd, strict=True))
            print(f"| {RULES[rule]} |{cells}")


if __name__ == "__main__":
    main()
