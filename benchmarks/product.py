"""Benchmark encoder learning on the product task: accuracy, sizes and cost.

    python benchmarks/product.py accuracy   # 10 ReLU and 50 LIF, 200 s, 5 seeds
    python benchmarks/product.py sizes      # default rates across types and sizes
    python benchmarks/product.py cost       # steps per second, and the BLAS floor
    python benchmarks/product.py bounds     # what exact offline optimization reaches
    python benchmarks/product.py prototype  # the #88 thread's Node prototype, side by side
    python benchmarks/product.py all

Accuracy protocol: train online for ``--time`` seconds of simulated time with
PES on the decoders plus nothing (``pes``), `FeedbackAlignment` (``fa``) or
`BackpropEncoder` (``bp``), all at their default learning rates; then freeze
learning and measure the RMSE of the decoded output against x0 * x1 on a
41 x 41 grid over [-1, 1]^2, from the final encoders, biases and decoders
(rate approximation for spiking neurons, see `nengo_fa.networks.frozen_output`).
"""

import argparse
import functools
import multiprocessing
import pathlib
import sys
import time
import timeit

import nengo
import numpy as np
import threadpoolctl
from scipy.optimize import minimize

import nengo_fa
from nengo_fa.networks import FUNCTION_RULES as RULES
from nengo_fa.networks import learned_rates, learned_weights
from nengo_fa.rank_one import rank_one_updater

sys.path.insert(0, str(pathlib.Path(__file__).parents[1] / "examples"))
from learn_product import frozen_product_rmse, product_grid, product_learner  # noqa: E402

NEURON_TYPES = {
    "RectifiedLinear": nengo.RectifiedLinear,
    "LIF": nengo.LIF,
    "LIFRate": nengo.LIFRate,
}


class NodePrototype:
    r"""The Node-based feedback alignment posted in the #88 thread, re-implemented.

    A Node with its own copy of unit encoders :math:`E` computes
    :math:`\mathbf{a} = E \mathbf{x}` and sends it into the ensemble's
    ``.neurons``, so Nengo adds the bias but no gain; it takes the ReLU slope
    from :math:`\mathbf{a}` alone, not from the current the neurons receive,
    and learns :math:`E \mathrel{-}= \eta \, ((B \mathbf{e}) \odot
    [\mathbf{a} > 0]) \mathbf{x}^T` with a fixed random :math:`B`
    (:math:`\eta = 10^{-4}` as posted). The posted code reduced this update to
    one scalar by mistake; the per-neuron form it intends is used here, so the
    comparison shows what ignoring gain, bias and the neurons' own current costs.
    """

    def __init__(self, n_neurons, seed, learning_rate=1e-4):
        rng = np.random.RandomState(seed)
        sphere = nengo.dists.UniformHypersphere(surface=True)
        self.encoders = sphere.sample(n_neurons, 2, rng=rng)
        self.feedback = sphere.sample(n_neurons, 1, rng=rng)
        self.learning_rate = learning_rate

    def __call__(self, t, inputs):
        x, error = inputs[:2], inputs[2:]
        a = self.encoders @ x
        delta = (self.feedback @ error) * (a > 0)
        self.encoders -= self.learning_rate * np.outer(delta, x)
        return a


def prototype_network(n_neurons, seed):
    """The product task with `NodePrototype` in place of an encoder rule."""
    net = product_learner("pes", n_neurons, nengo.RectifiedLinear(), seed=seed)
    with net:
        net.prototype = NodePrototype(n_neurons, seed)
        node = nengo.Node(net.prototype, size_in=3, size_out=n_neurons, label="prototype")
        net.connections.remove(net.layer1)  # the prototype drives the neurons instead
        nengo.Connection(net.stim, node[:2], synapse=None)
        nengo.Connection(net.error, node[2:], synapse=None)
        nengo.Connection(node, net.hidden.neurons, synapse=None)
    return net


def prototype_rmse(sim, net):
    """Frozen grid RMSE of a `prototype_network`: its own encoders, the ensemble's biases."""
    x, y = product_grid()
    rates = np.maximum(x @ net.prototype.encoders.T + sim.data[net.hidden].bias, 0)
    output = rates @ learned_weights(sim, net.layer2).T
    return float(np.sqrt(np.mean((output[:, 0] - y) ** 2)))


def grid_rmse(job):
    """Train one product network and return its frozen grid RMSE and wall time."""
    rule, neuron_name, n_neurons, seed, sim_time, encoder_rate = job
    rates = {} if encoder_rate is None else {"learning_rate": encoder_rate}
    if rule == "node":
        net = prototype_network(n_neurons, seed)
    else:
        net = product_learner(rule, n_neurons, NEURON_TYPES[neuron_name](), seed=seed, **rates)
    with nengo.Simulator(net, progress_bar=False) as sim:
        start = time.perf_counter()
        sim.run(sim_time)
        wall = time.perf_counter() - start
        rmse = prototype_rmse(sim, net) if rule == "node" else frozen_product_rmse(sim, net)
        return rmse, wall


def run_jobs(jobs, processes):
    if processes == 1:
        return [grid_rmse(job) for job in jobs]
    with multiprocessing.Pool(processes) as pool:
        return pool.map(grid_rmse, jobs, chunksize=1)


def accuracy_table(configs, rules, seeds, sim_time, processes, encoder_rate=None):
    jobs = [
        (rule, neuron, n, seed, sim_time, encoder_rate)
        for neuron, n in configs
        for rule in rules
        for seed in seeds
    ]
    results = dict(zip(jobs, run_jobs(jobs, processes), strict=True))
    print(
        f"\nFrozen RMSE on the 41x41 grid after {sim_time:g} s of online training, "
        f"seeds {list(seeds)}"
    )
    print("| neurons | rule | RMSE mean | RMSE sd | min | max | wall s/run |")
    print("|---|---|---|---|---|---|---|")
    rmse = {}
    for neuron, n in configs:
        for rule in rules:
            rows = [results[(rule, neuron, n, s, sim_time, encoder_rate)] for s in seeds]
            rmse[neuron, n, rule] = np.array([r[0] for r in rows])
            wall = np.mean([r[1] for r in rows])
            values = rmse[neuron, n, rule]
            print(
                f"| {n} {neuron} | {rule} | {values.mean():.4f} | {values.std():.4f} "
                f"| {values.min():.4f} | {values.max():.4f} | {wall:.1f} |",
                flush=True,
            )
    print_per_seed(rmse, configs, rules, seeds)


def print_per_seed(rmse, configs, rules, seeds):
    """Every seed's RMSE, and how each rule compares with PES alone seed by seed."""
    for neuron, n in configs:
        print(f"\nPer seed, {n} {neuron}")
        print("| seed | " + " | ".join(rules) + " |")
        print("|---" * (len(rules) + 1) + "|")
        for i, seed in enumerate(seeds):
            cells = " | ".join(f"{rmse[neuron, n, rule][i]:.4f}" for rule in rules)
            print(f"| {seed} | {cells} |")
        if "pes" in rules:
            pes = rmse[neuron, n, "pes"]
            for rule in rules:
                if rule != "pes":
                    values = rmse[neuron, n, rule]
                    print(
                        f"{rule}: better than PES alone on {np.sum(values < pes)}/{len(pes)} "
                        f"seeds; mean {values.mean():.4f} = {values.mean() / pes.mean():.3f} "
                        f"x PES alone's (worst seed {np.max(values / pes):.3f} x)"
                    )


def alternating_steps_per_second(nets, steps, rounds=5):
    """Median steps per second of each network, and median ratios to the first.

    Each round builds and times one simulator per network in turn (only one
    is alive at a time, so none evicts another's data from the CPU caches), so
    slow drifts of the machine hit all networks alike.
    """
    seconds = np.zeros((rounds, len(nets)))
    for r in range(rounds):
        for i, net in enumerate(nets):
            with nengo.Simulator(net, progress_bar=False) as sim:
                sim.run_steps(200)  # warm up caches and BLAS
                start = time.perf_counter()
                sim.run_steps(steps)
                seconds[r, i] = time.perf_counter() - start
    rates = steps / np.median(seconds, axis=0)
    ratios = np.median(seconds / seconds[:, :1], axis=0)
    return rates, ratios


def wide_network(rule, n_in=784, n_hidden=1000, n_out=10, seed=0):
    """784-D input into 1000 LIF neurons, 10-D output learned with PES."""
    rng = np.random.RandomState(seed)
    patterns = rng.uniform(-1, 1, size=(16, n_in)) / np.sqrt(n_in)
    with nengo.Network(seed=seed) as net:
        stim = nengo.Node(lambda t: patterns[int(t / 0.05) % len(patterns)])
        hidden = nengo.Ensemble(n_hidden, n_in, neuron_type=nengo.LIF())
        output = nengo.Node(size_in=n_out)
        error = nengo.Node(size_in=n_out)
        nengo.Connection(output, error, synapse=None)
        nengo.Connection(stim[:n_out], error, transform=-1, synapse=None)
        layer2 = nengo.Connection(
            hidden,
            output,
            function=lambda x: np.zeros(n_out),
            learning_rule_type=nengo.PES(),
        )
        nengo.Connection(error, layer2.learning_rule)
        rule_type = {
            "pes": None,
            "fa": lambda: nengo_fa.FeedbackAlignment(error_size=n_out),
            "bp": lambda: nengo_fa.BackpropEncoder(layer2),
        }[rule]
        layer1 = nengo.Connection(stim, hidden, learning_rule_type=rule_type and rule_type())
        if rule_type is not None:
            nengo.Connection(error, layer1.learning_rule)
    return net


def ger_floor_seconds(n_rows=1000, n_cols=784, repeat=2000, backend=None):
    """Seconds for one in-place rank-1 update of an n_rows x n_cols matrix, and its backend."""
    rng = np.random.RandomState(0)
    matrix = rng.standard_normal((n_rows, n_cols))
    row, col = rng.standard_normal(n_rows), rng.standard_normal(n_cols)
    update = rank_one_updater(matrix, backend=backend)
    seconds = min(timeit.repeat(lambda: update(1e-9, row, col), number=repeat, repeat=5))
    return seconds / repeat, update.backend


FLOOR_MATRIX = np.random.RandomState(1).standard_normal((1000, 784))
FLOOR_VECTOR = np.random.RandomState(2).standard_normal(784)


def cost_table(steps_small, steps_large):
    print("\nSimulation speed (reference nengo.Simulator, one process; rules timed in")
    print("alternation over 5 rounds, medians)")
    print("| network | rule | steps/s | time per step, ms | ratio to PES only |")
    print("|---|---|---|---|---|")
    for label, make, steps in [
        ("product, 10 ReLU", lambda r: product_learner(r, 10, seed=0), steps_small),
        ("784-1000 LIF-10", wide_network, steps_large),
    ]:
        rates, ratios = alternating_steps_per_second([make(rule) for rule in RULES], steps)
        for rule, rate, ratio in zip(RULES, rates, ratios, strict=True):
            print(
                f"| {label} | {rule} | {rate:.0f} | {1e3 / rate:.3f} | {ratio:.2f} |",
                flush=True,
            )
    floor, backend = ger_floor_seconds()
    matvec = min(timeit.repeat(lambda: FLOOR_MATRIX @ FLOOR_VECTOR, number=2000, repeat=5)) / 2000
    print(
        f"\nFloor: one in-place rank-1 update (ger, {backend}) of a 1000x784 matrix: "
        f"{floor * 1e3:.3f} ms; the encoding mat-vec of the same matrix: {matvec * 1e3:.3f} ms"
    )


def sizes_table(seeds, sim_time, processes, encoder_rate=None):
    configs = [(neuron, n) for neuron in ("RectifiedLinear", "LIF") for n in (10, 100, 1000)]
    accuracy_table(configs, RULES, seeds, sim_time, processes, encoder_rate)


GRID_X, GRID_Y = product_grid()


def least_squares_rmse(rates):
    """Grid RMSE of the best decoders for these rates (n_points x n_neurons)."""
    decoders = np.linalg.lstsq(rates, GRID_Y, rcond=None)[0]
    return float(np.sqrt(np.mean((rates @ decoders - GRID_Y) ** 2)))


def relu_fit(encoders, bias, iterations):
    """L-BFGS on encoders, biases and decoders of a ReLU layer, grid MSE; final RMSE."""
    n = len(bias)

    def loss(params):
        E, b, d = params[: 2 * n].reshape(n, 2), params[2 * n : 3 * n], params[3 * n :]
        current = GRID_X @ E.T + b
        rates = np.maximum(current, 0)
        residual = rates @ d - GRID_Y
        slope = np.outer(residual, d) * (current > 0) / len(GRID_Y)
        grad = np.concatenate(
            [(slope.T @ GRID_X).ravel(), slope.sum(0), rates.T @ residual / len(GRID_Y)]
        )
        return 0.5 * np.mean(residual**2), grad

    decoders = np.linalg.lstsq(np.maximum(GRID_X @ encoders.T + bias, 0), GRID_Y, rcond=None)[0]
    start = np.concatenate([encoders.ravel(), bias, decoders])
    result = minimize(loss, start, jac=True, method="L-BFGS-B", options={"maxiter": iterations})
    return float(np.sqrt(2 * result.fun))


def bounds_job(seed, sim_time):
    """One seed: least-squares bounds before and after online BP, and L-BFGS from its start."""
    net = product_learner("bp", 10, seed=seed)
    with nengo.Simulator(net, progress_bar=False) as sim:
        initial = least_squares_rmse(learned_rates(sim, net.hidden, GRID_X))
        encoders = sim.data[net.hidden].scaled_encoders
        bias = sim.data[net.hidden].bias
        sim.run(sim_time)
        learned = least_squares_rmse(learned_rates(sim, net.hidden, GRID_X))
        frozen = frozen_product_rmse(sim, net)
    return initial, learned, frozen, relu_fit(encoders, bias, 20000)


def restart_job(trial):
    rng = np.random.RandomState(trial)
    angles = rng.uniform(0, 2 * np.pi, 10)
    gains = rng.uniform(100, 600, 10)
    encoders = gains[:, None] * np.stack([np.cos(angles), np.sin(angles)], axis=1)
    return relu_fit(encoders, -gains * rng.uniform(-1.4, 1.0, 10), 5000)


def bounds_table(seeds, sim_time, processes, restarts):
    """What limits the 10-neuron product task: the representation or the learner."""
    with multiprocessing.Pool(processes) as pool:
        rows = pool.map(functools.partial(bounds_job, sim_time=sim_time), seeds, chunksize=1)
        best = sorted(pool.map(restart_job, range(restarts), chunksize=4))
    print(
        f"\n10 RectifiedLinear neurons, product task, grid RMSE (41x41 over [-1, 1]^2); "
        f"online BP for {sim_time:g} s"
    )
    print(
        "| seed | best decoders, initial encoders | best decoders, encoders after BP "
        "| BP frozen (PES decoders) | L-BFGS on grid from this seed's start |"
    )
    print("|---|---|---|---|---|")
    for seed, (initial, learned, frozen, fitted) in zip(seeds, rows, strict=True):
        print(f"| {seed} | {initial:.4f} | {learned:.4f} | {frozen:.4f} | {fitted:.4f} |")
    frozen, fitted = np.array([r[2] for r in rows]), np.array([r[3] for r in rows])
    print(
        f"\nMeans over seeds {list(seeds)}: BP frozen {frozen.mean():.4f}, L-BFGS bound "
        f"{fitted.mean():.4f}; BP / bound = {frozen.mean() / fitted.mean():.3f}"
    )
    print(
        f"\nL-BFGS on the grid from {restarts} random starts (encoder angles uniform, gains "
        f"100-600, intercepts -1.4..1): best {best[0]:.4f}, 5th percentile "
        f"{best[len(best) // 20]:.4f}, median {best[len(best) // 2]:.4f}"
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "what", choices=["accuracy", "sizes", "cost", "bounds", "prototype", "all"]
    )
    parser.add_argument("--seeds", type=int, default=5, help="seeds 0..N-1")
    parser.add_argument("--time", type=float, default=200.0, help="training time (s)")
    parser.add_argument("--sizes-time", type=float, default=60.0)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--rules", default=",".join(RULES))
    parser.add_argument("--neurons", default="RectifiedLinear:10,LIF:50")
    parser.add_argument("--restarts", type=int, default=150, help="random starts for bounds")
    parser.add_argument(
        "--encoder-rate", type=float, default=None, help="override the default (tuning)"
    )
    parser.add_argument(
        "--blas-threads",
        type=int,
        default=None,
        help="limit every BLAS library to this many threads (threadpoolctl)",
    )
    args = parser.parse_args()
    seeds = range(args.seeds)
    print(f"nengo {nengo.__version__}, numpy {np.__version__}, nengo_fa {nengo_fa.__version__}")
    if args.what in ("accuracy", "all"):
        configs = [(name, int(n)) for name, n in (c.split(":") for c in args.neurons.split(","))]
        accuracy_table(
            configs, args.rules.split(","), seeds, args.time, args.processes, args.encoder_rate
        )
    if args.what in ("prototype", "all"):
        print("\n'node' is the #88 thread's Node prototype (see NodePrototype)")
        configs = [("RectifiedLinear", 10), ("RectifiedLinear", 100)]
        accuracy_table(configs, ["pes", "node", "fa", "bp"], seeds, args.time, args.processes)
    if args.what in ("sizes", "all"):
        sizes_table(range(min(args.seeds, 3)), args.sizes_time, args.processes, args.encoder_rate)
    if args.what in ("bounds", "all"):
        bounds_table(seeds, args.time, args.processes, args.restarts)
    if args.what in ("cost", "all"):
        if args.blas_threads is None:
            cost_table(steps_small=4000, steps_large=2000)
        else:
            with threadpoolctl.threadpool_limits(args.blas_threads, user_api="blas"):
                print(f"BLAS limited to {args.blas_threads} thread(s)")
                cost_table(steps_small=4000, steps_large=2000)


if __name__ == "__main__":
    main()
