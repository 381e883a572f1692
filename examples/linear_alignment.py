"""A linear network learning a linear map: feedback alignment and direct feedback alignment.

After the linear-network notebook of iacolippo/Direct-Feedback-Alignment (and
Nokland 2016): a network of linear units, 10-100-100-10, learns ``y = M x``
for a fixed random ``M`` from a fresh ``x ~ N(0, I)`` every simulation step,
starting from small weights (the notebook starts from zero). Each rule gets
its own simulator, fed the same inputs, from the same initial weights:

* ``fa``: `nengo_fa.networks.FeedForward` with ``rule="fa"``: each hidden layer
  sends the error back through a fixed random matrix to the layer below
  (layer-wise feedback alignment);
* ``dfa``: ``FeedForward(rule="dfa")``: `nengo_fa.DirectFeedbackAlignment`
  on both hidden layers (the output error reaches each through its own fixed
  random matrix), each given ``reference=`` (the connection leaving its
  ensemble) so that its update can be compared with backpropagation;
* ``bp`` (optional): ``FeedForward(rule="bp")``, exact backpropagation.

Every hidden layer's ``update_angle`` is probed: the angle between the rule's
encoder and bias update and the exact backpropagation update at the same state.

Units and parameters follow the textbook algorithm, not the package defaults:
the hidden units are `Linear` rate neurons (rate = input current, slope 1,
registered with `nengo_fa.register_derivative`) with gain 1, bias 0, radius 1
and unnormalized encoders, so each layer's scaled encoders are its weight
matrix, initialized to ``scale * N(0, 1 / fan_in)`` (``--init-scale``); the
readout starts at zero. Each rule's ``learning_rate`` is set per layer (from
one calibration build) so that every layer takes the plain SGD step ``eta``
per sample with feedback matrices of entries ``N(0, 1 / rows of the error)``
(see `textbook_learning_rates`); PES learns the readout with the same ``eta``.
Biases start at 0 and are learned too. The expected loss
``0.5 E|f(x) - M x|^2 = 0.5 (|W - M|_F^2 + |c|^2)`` of the frozen network
``f(x) = W x + c`` is computed exactly at checkpoints.

    nengo examples/linear_alignment.py           # Nengo GUI: FA and DFA learners
    python examples/linear_alignment.py          # train, table and figures
"""

import argparse
import pathlib
import time
import warnings

import nengo
import numpy as np

import nengo_fa
from nengo_fa.metrics import moving_average, tail_mean
from nengo_fa.networks import FeedForward, GaussianInput, learned_rates, learned_weights

#: SGD step per sample and scale of the initial hidden weights.
ETA = 0.001
INIT_SCALE = 0.01
LABELS = {"fa": "FA (layer-wise)", "dfa": "DFA", "bp": "BP"}


class Linear(nengo.neurons.NeuronType):
    """Rate neurons whose rate is their input current, ``r = J`` (negative too)."""

    negative = True

    def gain_bias(self, max_rates, intercepts):
        """Gain and bias of the line through ``(intercept, 0)`` and ``(1, max_rate)``."""
        max_rates = np.asarray(np.atleast_1d(max_rates), dtype=float)
        intercepts = np.asarray(np.atleast_1d(intercepts), dtype=float)
        gain = max_rates / (1.0 - intercepts)
        return gain, -intercepts * gain

    def max_rates_intercepts(self, gain, bias):
        """The inverse of `gain_bias`."""
        intercepts = -bias / gain
        return gain * (1.0 - intercepts), intercepts

    def step(self, dt, J, output):
        """Rates equal to the input current."""
        output[...] = J


@nengo_fa.register_derivative(Linear)
def linear_derivative(neuron_type, J):
    """The slope of ``r = J`` is 1 everywhere."""
    return np.ones_like(np.asarray(J, dtype=float))


def initial_weights(n_input, hidden, scale=INIT_SCALE, seed=0):
    """Hidden weight matrices ``scale * N(0, 1 / fan_in)``, input layer first."""
    rng = np.random.RandomState(seed)
    sizes = [n_input, *hidden]
    return [
        scale * rng.standard_normal((n, fan_in)) / np.sqrt(fan_in)
        for fan_in, n in zip(sizes[:-1], sizes[1:], strict=True)
    ]


def set_weights(net, weights, inputs):
    """Make each hidden layer's scaled encoders ``weights[k]``, with gain 1 and bias 0.

    Radius 1 and unnormalized encoders; the evaluation points (used only for
    the rules' build-time normalization) are the layer's inputs for the sample
    ``inputs`` of network inputs.
    """
    for ens, weight in zip(net.layers, weights, strict=True):
        ens.encoders = weight
        ens.normalize_encoders = False
        ens.gain = np.ones(ens.n_neurons)
        ens.bias = np.zeros(ens.n_neurons)
        ens.radius = 1.0
        ens.eval_points = inputs
        inputs = inputs @ weight.T


def textbook_learning_rates(params, net, rule, eta):
    """Per-layer kappa giving each hidden layer the SGD step ``eta`` of the textbook rule.

    A layer's update is ``-C delta x^T / r^2`` with ``C = kappa * base_step_size``
    and radius ``r = 1``. Backprop's ``delta`` is exact. A feedback rule's
    ``delta`` is ``rho`` times the textbook one, whose feedback matrices have
    entries ``N(0, 1 / n)`` (``n`` rows of the error they multiply): the top
    layer (FA) and every layer (DFA) take the output error through ``s_B B``
    (``B`` standard normal), so ``rho = s_B sqrt(n_output)``; a lower FA layer
    takes the next layer's local error, so ``rho = s_B sqrt(n_next) rho_next``.
    Then ``kappa = eta / (rho * base_step_size)``.
    """
    n_output = net.output.size_in
    rates, rho_next = [None] * len(net.layers), None
    for k in reversed(range(len(net.layers))):
        data = params[net.hidden_connections[k].learning_rule]
        if rule == "bp":
            rho = 1.0
        elif rule == "dfa" or k == len(net.layers) - 1:
            rho = data.feedback_scale * np.sqrt(n_output)
        else:
            rho = data.feedback_scale * np.sqrt(net.layers[k + 1].n_neurons) * rho_next
        rates[k], rho_next = eta / (rho * data.base_step_size), rho
    return rates


def random_orthogonal(rows, columns, rng):
    """A random matrix with orthonormal rows or columns (all singular values 1)."""
    q, r = np.linalg.qr(rng.standard_normal((max(rows, columns), min(rows, columns))))
    q = q * np.sign(np.diag(r))  # uniformly distributed (Haar)
    return q if rows >= columns else q.T


#: The textbook feedback: fixed standard normal B, every entry used (nengo-fa's defaults
#: since issue 12 are balanced +-1 entries and a sign gate, see `nengo_fa.FeedbackAlignment`).
TEXTBOOK_FEEDBACK = {"feedback": nengo.dists.Gaussian(0, 1), "sign_gate": False}


def make_learner(rule, n_input, hidden, n_output, eta, weights, inputs, seed, rates=None):
    """One learner with the given initial weights; kappas calibrated if ``rates`` is None.

    PES learns the readout with ``dW = -lr dt / n e h^T``, so ``lr = eta n / dt``
    (above 1, where Nengo warns). The calibrated kappas also exceed nengo-fa's
    generic bound (kappa dt < 1 is normalized over evaluation points, which the
    linear neurons' inputs here do not resemble), so neither warning applies.
    """
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "This learning rate is very high")
        warnings.filterwarnings("ignore", "learning_rate=.* is unstable")
        return _make_learner(rule, n_input, hidden, n_output, eta, weights, inputs, seed, rates)


def _make_learner(rule, n_input, hidden, n_output, eta, weights, inputs, seed, rates):
    kappas = [1.0] * len(hidden) if rates is None else rates
    readout = eta * hidden[-1] / 0.001  # dt = 0.001
    net = FeedForward(
        n_input,
        hidden,
        n_output,
        rule=rule,
        neuron_type=Linear(),
        learning_rate=kappas,
        readout_learning_rate=readout,
        rule_options=TEXTBOOK_FEEDBACK if rule in ("fa", "dfa") else None,
        seed=seed,
        label=LABELS[rule],
    )
    set_weights(net, weights, inputs)
    if rates is None:  # a bare build, not nengo.Simulator: Nengo GUI replaces that
        built = nengo.builder.Model(dt=0.001)
        built.build(net)
        rates = textbook_learning_rates(built.params, net, rule, eta)
        return _make_learner(rule, n_input, hidden, n_output, eta, weights, inputs, seed, rates)
    net.kappas = rates
    return net


def build_model(
    rules=("fa", "dfa"),
    n_input=10,
    hidden=(100, 100),
    n_output=10,
    eta=ETA,
    init_scale=INIT_SCALE,
    angle_every=None,
    target="orthogonal",
    seed=0,
):
    """Learners (one per rule, side by side) of the same ``y = M x``, fed the same inputs.

    ``rules`` from ``"fa"``, ``"dfa"`` and ``"bp"``. ``M`` is a random
    orthogonal matrix (``target="orthogonal"``: every singular mode is learned
    at the same pace) or has entries ``N(0, 1 / n_input)`` (``"gaussian"``:
    its weakest singular modes, often near 0.01, are learned last and slowly,
    and dominate the late error). With ``angle_every``
    (seconds) every hidden layer's ``update_angle`` is probed, in
    ``learner.angle_probes``. The model has attributes ``x``, ``M``,
    ``weights`` (initial hidden weights) and ``learners`` (rule -> network with
    `FeedForward`'s attributes).
    """
    hidden = [int(n) for n in hidden]
    rng = np.random.RandomState(seed)
    if target == "orthogonal":
        target_map = random_orthogonal(n_output, n_input, rng)
    elif target == "gaussian":
        target_map = rng.standard_normal((n_output, n_input)) / np.sqrt(n_input)
    else:
        raise ValueError(f"target must be 'orthogonal' or 'gaussian', got {target!r}")
    inputs = rng.standard_normal((1000, n_input))
    weights = initial_weights(n_input, hidden, init_scale, seed + 1)
    learners = {  # built outside the model: calibration builds stay out of it
        rule: make_learner(rule, n_input, hidden, n_output, eta, weights, inputs, seed)
        for rule in rules
    }
    with nengo.Network(label="linear alignment", seed=seed) as model:
        model.x = nengo.Node(GaussianInput(n_input, seed=seed), label="x")
        model.learners = learners
        for net in learners.values():
            nengo.Network.add(net)
            nengo.Connection(model.x, net.input, synapse=None)
            nengo.Connection(model.x, net.target, transform=target_map, synapse=None)
            if angle_every is not None:
                with net:
                    net.angle_probes = [
                        nengo.Probe(c.learning_rule, "update_angle", sample_every=angle_every)
                        for c in net.hidden_connections
                    ]
    # a tuple: Nengo GUI names the items of list attributes, and arrays are unhashable
    model.M, model.weights = target_map, tuple(weights)
    return model


def effective_map(sim, net):
    """``(W, c)`` of the frozen network's affine map ``f(x) = W x + c``."""
    n_input = net.input.size_in
    x = np.vstack([np.zeros(n_input), np.eye(n_input)])
    for ens in net.layers:
        x = learned_rates(sim, ens, x)
    y = x @ learned_weights(sim, net.readout).T
    return (y[1:] - y[0]).T, y[0]


def expected_loss(sim, net, target_map):
    """``0.5 E|f(x) - M x|^2`` for ``x ~ N(0, I)``, exactly, with learning frozen."""
    W, c = effective_map(sim, net)
    return 0.5 * (np.sum((W - target_map) ** 2) + np.sum(c**2))


def hidden_sizes(model):
    """Neurons per hidden layer of the model's learners."""
    first = next(iter(model.learners.values()))
    return [ens.n_neurons for ens in first.layers]


model = build_model()


def run_seed(rules, args, seed):
    """Train one model; rule -> (final loss, mean angle of each layer over the last 10%)."""
    net = build_model(
        rules,
        eta=args.eta,
        init_scale=args.init_scale,
        angle_every=0.001,
        target=args.target,
        seed=seed,
    )
    with nengo.Simulator(net, progress_bar=False) as sim:
        sim.run_steps(args.steps)
        return {
            rule: [expected_loss(sim, learner, net.M)]
            + [tail_mean(sim.data[p]) for p in learner.angle_probes]
            for rule, learner in net.learners.items()
        }


def main():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from nengo_fa import plots

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=10_000, help="online samples (steps)")
    parser.add_argument("--rules", default="fa,dfa", help="comma-separated: fa, dfa, bp")
    parser.add_argument("--eta", type=float, default=ETA, help="SGD step per sample")
    parser.add_argument("--init-scale", type=float, default=INIT_SCALE)
    parser.add_argument("--target", default="orthogonal", choices=("orthogonal", "gaussian"))
    parser.add_argument("--checkpoints", type=int, default=100, help="exact-loss evaluations")
    parser.add_argument("--angle-every", type=int, default=1, help="steps between angles")
    parser.add_argument("--window", type=int, default=100, help="moving average (samples)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--seeds", type=int, default=10, help="seeds of the summary table")
    parser.add_argument("--out", default="docs/figures")
    args = parser.parse_args()
    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    dt = 0.001
    rules = tuple(r.strip() for r in args.rules.split(",") if r.strip())
    net = build_model(
        rules,
        eta=args.eta,
        init_scale=args.init_scale,
        angle_every=args.angle_every * dt,
        target=args.target,
        seed=args.seed,
    )
    learners = net.learners
    checkpoints = np.unique(np.linspace(0, args.steps, args.checkpoints + 1).astype(int))
    losses = {rule: [] for rule in learners}
    start = time.perf_counter()
    with nengo.Simulator(net, dt=dt, progress_bar=False) as sim:
        for done, end in zip(checkpoints[:-1], checkpoints[1:], strict=True):
            for rule, learner in learners.items():
                losses[rule].append(expected_loss(sim, learner, net.M))
            sim.run_steps(end - done)
        for rule, learner in learners.items():
            losses[rule].append(expected_loss(sim, learner, net.M))
        angle_times = sim.trange(sample_every=args.angle_every * dt)
        angles = {
            (rule, k): np.asarray(sim.data[p]).ravel()
            for rule, learner in learners.items()
            for k, p in enumerate(learner.angle_probes)
        }
    wall = time.perf_counter() - start

    smooth_t = angle_times[args.window - 1 :]
    smooth = {
        f"{LABELS[rule]}, hidden layer {k + 1}": moving_average(a, args.window)
        for (rule, k), a in angles.items()
    }
    fig = plots.angle_over_time(smooth_t, smooth)
    fig.set_size_inches(7, 4.5)
    ax = fig.axes[0]
    ax.axhline(45, color="gray", linestyle=":", linewidth=1)
    ax.set_ylim(0, 100)
    ax.set_xlabel("time (s) = samples / 1000")
    ax.set_title(
        f"Update angle to backprop, per sample (moving average of {args.window})",
        fontsize="medium",
    )
    fig.tight_layout()
    fig.savefig(out / "linear_alignment_angles.png", dpi=120)
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(6, 4))
    for rule, values in losses.items():
        ax.plot(checkpoints * dt, values, label=LABELS[rule])
    ax.set_yscale("log")
    ax.set_xlabel("time (s) = samples / 1000")
    ax.set_ylabel(r"$\frac{1}{2}E|f(x) - Mx|^2$ (frozen, exact)")
    sizes = "-".join(str(n) for n in [net.x.size_out, *hidden_sizes(net), net.M.shape[0]])
    ax.set_title(f"Linear network {sizes} learning y = M x")
    ax.legend()
    fig.tight_layout()
    fig.savefig(out / "linear_alignment_loss.png", dpi=120)
    plt.close(fig)

    print(
        f"Linear {sizes} (Linear rate units), y = M x with M random {args.target}, "
        f"x ~ N(0, I), "
        f"one sample per step, {args.steps} steps; SGD step eta={args.eta:g} in every layer, "
        f"hidden weights from {args.init_scale:g} * N(0, 1/fan_in), readout from 0; "
        f"seed {args.seed}; wall {wall:.0f} s\n"
    )
    print(
        "| rule | kappa per hidden layer | loss at start | loss at 10% | final loss | "
        "angle layer 1, last 10% | angle layer 2, last 10% | "
        "angle layer 1, first 10% | angle layer 2, first 10% |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    tenth = len(checkpoints) // 10
    for rule, values in losses.items():
        n_layers = len(learners[rule].layers)
        last = [tail_mean(angles[rule, k]) for k in range(n_layers)]
        first = [
            float(np.nanmean(angles[rule, k][: max(1, len(angles[rule, k]) // 10)]))
            for k in range(n_layers)
        ]
        kappas = ", ".join(f"{k:.4g}" for k in learners[rule].kappas)
        print(
            f"| {LABELS[rule]} | {kappas} | {values[0]:.3f} | {values[tenth]:.2e} | "
            f"{values[-1]:.2e} | {last[0]:.1f} | {last[1]:.1f} | {first[0]:.1f} | "
            f"{first[1]:.1f} |"
        )
    if args.seeds > 1:
        print(
            f"\nOver seeds {args.seed}..{args.seed + args.seeds - 1} (new M, initial weights, "
            "feedback matrices and inputs each): mean +- sd\n"
        )
        print("| rule | final loss (median) | angle layer 1, last 10% | angle layer 2, last 10% |")
        print("|---|---|---|---|")
        summary = {rule: [] for rule in rules}
        for seed in range(args.seed, args.seed + args.seeds):
            for rule, result in run_seed(rules, args, seed).items():
                summary[rule].append(result)
        for rule, rows in summary.items():
            rows = np.array(rows)
            cells = " | ".join(
                f"{m:.1f} +- {d:.1f}"
                for m, d in zip(rows[:, 1:].mean(axis=0), rows[:, 1:].std(axis=0), strict=True)
            )
            print(f"| {LABELS[rule]} | {np.median(rows[:, 0]):.1e} | {cells} |")

    print(
        "\nAngles (degrees) between the rule's update of a hidden layer and the exact "
        "backprop update at the same state, per sample (update_angle probe, NaN-free "
        "means); layer 1 is next to the input."
    )


if __name__ == "__main__":
    main()
