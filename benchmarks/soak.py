"""Soak test: does online learning on the product task stay put over an hour?

    python benchmarks/soak.py                       # 10/100 x LIF/ReLU x fa/bp/pes0/pes, 3600 s
    python benchmarks/soak.py --time 600 --neurons 10 --types LIF --rules bp

Each configuration is the product task of examples/learn_product.py (a
`nengo_fa.networks.FunctionLearner`: 2-D input (sin(pi t), sin(0.7 pi t)),
target x0 * x1, PES decoders from zero plus the encoder rule, one error
drives both) with the library's default settings,
(``pes0``: PES alone on the same ensemble as ``fa`` and ``bp``; ``pes``:
the task's own PES-only network, whose ensemble Nengo seeds
differently) run for ``--time`` seconds of simulated time in chunks of ``--window``
seconds. After each chunk the script records the error RMS over that chunk
(``output - target`` every step, accumulated by a Node: memory stays flat),
the number of non-finite error samples, the largest scaled encoder, bias and
decoder magnitudes, the frozen grid RMSE (`frozen_product_rmse`, the rate
approximation), the frozen grid RMSE with spike noise (`spiking_grid_rmse`)
and the process's resident memory (VmRSS from /proc/self/status).

The window "at T s" is the error over (T - window, T]. ``ratio`` is the
error of the last window over the error of the window at ``--reference``
(300 s). The target of issue 13 is ratio <= 1.1 for FA and BP.

One simulation runs at a time (the machine is shared); seeds are explicit.
"""

import argparse
import json
import pathlib
import sys
import time

import nengo
import numpy as np

import nengo_fa
from nengo_fa.networks import learned_encoders, learned_weights

sys.path.insert(0, str(pathlib.Path(__file__).parents[1] / "examples"))
from learn_product import frozen_product_rmse, product_grid, product_learner  # noqa: E402

NEURON_TYPES = {"LIF": nengo.LIF, "RectifiedLinear": nengo.RectifiedLinear}


def rss_mib():
    """Resident set size of this process in MiB (VmRSS from /proc/self/status)."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024.0
    return float("nan")


class ErrorMeter:
    """Node function accumulating the sum of squared error, its count and non-finite samples."""

    def __init__(self):
        self.reset()

    def reset(self):
        self.total, self.count, self.bad = 0.0, 0, 0

    def __call__(self, t, x):
        value = float(x @ x)
        if np.isfinite(value):
            self.total += value
            self.count += 1
        else:
            self.bad += 1

    def rms(self):
        return float(np.sqrt(self.total / self.count)) if self.count else float("nan")


def metered_product(rule, n_neurons, neuron_name, seed, **options):
    """The product learner plus an `ErrorMeter` in a subnetwork.

    The subnetwork is seeded after the product network's own connections and
    ensembles, so the learning network is identical to the task's.
    ``rule="pes0"`` is ``"fa"`` with an encoder learning rate of 0: PES alone on
    exactly the ensemble FA and BP start from (``"pes"`` has one connection
    fewer, so Nengo seeds its ensemble differently).
    """
    if rule == "pes0":
        rule, options = "fa", dict(options, learning_rate=0.0)
    net = product_learner(rule, n_neurons, NEURON_TYPES[neuron_name](), seed=seed, **options)
    meter = ErrorMeter()
    with net:
        with nengo.Network(label="meter"):
            node = nengo.Node(meter, size_in=1, label="error meter")
            nengo.Connection(net.error, node, synapse=None)
    return net, meter


def spiking_grid_rmse(sim, net, run_time=0.5, settle=0.2, seed=0):
    """RMSE against x0 * x1 of the frozen network's output, spike noise included.

    Each point of `product_grid` is held constant; the ensemble's own neuron
    type (Nengo's random initial states) runs with the current encoders and biases
    for ``run_time`` seconds, its output through the hidden -> output synapse
    (5 ms lowpass) and the current decoders; the error is averaged after
    ``settle`` seconds. For rate neurons this equals `frozen_product_rmse`.
    """
    neuron_type = net.hidden.neuron_type
    if not neuron_type.spiking:
        return frozen_product_rmse(sim, net)
    x, target = product_grid()
    encoders, bias = learned_encoders(sim, net.hidden)
    decoders = learned_weights(sim, net.layer2)[0]
    current = x @ encoders.T + bias
    rng = np.random.RandomState(seed)
    state = neuron_type.make_state(current.size, rng, dtype=float)  # Nengo's initial states
    state = {k: v.reshape(current.shape) for k, v in state.items()}
    output = np.zeros_like(current)
    decay = np.exp(-sim.dt / 0.005)
    y, total, count = np.zeros(len(x)), 0.0, 0
    for k in range(int(round(run_time / sim.dt))):
        neuron_type.step(sim.dt, current, output, **state)
        y = decay * y + (1 - decay) * (output @ decoders)
        if k * sim.dt >= settle:
            total += float(np.sum((y - target) ** 2))
            count += len(x)
    return float(np.sqrt(total / count))


def snapshot(sim, net):
    encoders, bias = learned_encoders(sim, net.hidden)
    decoders = learned_weights(sim, net.layer2)
    return {
        "max_encoder": float(np.max(np.abs(encoders))),
        "max_bias": float(np.max(np.abs(bias))),
        "max_decoder": float(np.max(np.abs(decoders))),
        "decoder_norm": float(np.linalg.norm(decoders)),
        "grid_rmse": frozen_product_rmse(sim, net),
        "spiking_grid_rmse": spiking_grid_rmse(sim, net),
        "rss_mib": rss_mib(),
    }


def soak(rule, n_neurons, neuron_name, seed, sim_time, window, verbose=True, **options):
    """Run one configuration; per-window error RMS and snapshots."""
    net, meter = metered_product(rule, n_neurons, neuron_name, seed, **options)
    windows, snapshots, bad = [], [], 0
    start = time.perf_counter()
    with nengo.Simulator(net, progress_bar=False) as sim:
        snapshots.append(dict(t=0.0, **snapshot(sim, net)))
        n_windows = int(round(sim_time / window))
        for _ in range(n_windows):
            meter.reset()
            sim.run(window)
            windows.append(meter.rms())
            bad += meter.bad
            snapshots.append(dict(t=round(sim.time, 6), **snapshot(sim, net)))
            if verbose:
                s = snapshots[-1]
                print(
                    f"  {neuron_name} {n_neurons} {rule} seed {seed}: t={sim.time:7.1f} s "
                    f"error RMS {windows[-1]:.4f} grid {s['grid_rmse']:.4f} "
                    f"spiking grid {s['spiking_grid_rmse']:.4f} "
                    f"|E| {s['max_encoder']:.1f} |b| {s['max_bias']:.2f} "
                    f"|d| {s['max_decoder']:.5f} RSS {s['rss_mib']:.0f} MiB "
                    f"({time.perf_counter() - start:.0f} s wall)",
                    flush=True,
                )
    return {
        "rule": rule,
        "n_neurons": n_neurons,
        "neuron_type": neuron_name,
        "seed": seed,
        "window": window,
        "options": options,
        "window_rms": windows,
        "nonfinite": bad,
        "snapshots": snapshots,
        "wall_s": time.perf_counter() - start,
    }


def window_at(result, t):
    """Error RMS of the window ending at ``t`` seconds."""
    k = int(round(t / result["window"])) - 1
    return result["window_rms"][k] if 0 <= k < len(result["window_rms"]) else float("nan")


def snapshot_at(result, t):
    return min(result["snapshots"], key=lambda s: abs(s["t"] - t))


def print_table(results, reference, columns):
    end = max(len(r["window_rms"]) * r["window"] for r in results)
    shown = [t for t in columns if t < end]
    head = " | ".join(f"{t:g} s" for t in shown)
    print(
        f"\nError RMS per {results[0]['window']:g} s window (the window at T is (T - "
        f"{results[0]['window']:g}, T]); ratio = last / {reference:g} s; maxima at the end"
    )
    print(
        f"| neurons | rule | seed | {head} | last | ratio | grid {reference:g} s | grid end "
        f"| spiking grid {reference:g} s | spiking grid end "
        "| max abs enc | max abs bias | max abs dec | NaN | RSS MiB (start, mid, end) |"
    )
    print("|---" * (12 + len(shown) + 1) + "|")
    for r in results:
        last = r["window_rms"][-1]
        ref = window_at(r, reference)
        first, mid, final = r["snapshots"][1], snapshot_at(r, end / 2), r["snapshots"][-1]
        cells = " | ".join(f"{window_at(r, t):.4f}" for t in shown)
        at_ref = snapshot_at(r, reference)
        print(
            f"| {r['n_neurons']} {r['neuron_type']} | {r['rule']} | {r['seed']} | {cells} "
            f"| {last:.4f} | {last / ref:.2f} | {at_ref['grid_rmse']:.4f} "
            f"| {final['grid_rmse']:.4f} | {at_ref['spiking_grid_rmse']:.4f} "
            f"| {final['spiking_grid_rmse']:.4f} | {final['max_encoder']:.1f} "
            f"| {final['max_bias']:.2f} "
            f"| {final['max_decoder']:.5f} | {r['nonfinite']} "
            f"| {first['rss_mib']:.0f}, {mid['rss_mib']:.0f}, {final['rss_mib']:.0f} |",
            flush=True,
        )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--time", type=float, default=3600.0, help="simulated seconds per run")
    parser.add_argument("--window", type=float, default=100.0, help="seconds per error window")
    parser.add_argument("--reference", type=float, default=300.0, help="window compared with")
    parser.add_argument("--neurons", default="10,100")
    parser.add_argument("--types", default="LIF,RectifiedLinear")
    parser.add_argument("--rules", default="fa,bp,pes0,pes")
    parser.add_argument("--seeds", default="0", help="comma-separated seeds")
    parser.add_argument(
        "--columns", default="300,600,1000,1800,2700", help="window ends (s) shown in the table"
    )
    parser.add_argument("--encoder-rate", type=float, default=None)
    parser.add_argument("--pes-rate", type=float, default=None)
    parser.add_argument(
        "--pes-wiring",
        choices=["matched", "nengo"],
        default="matched",
        help="the readout's PES: matched to the error path (matched_pes=True, the default "
        "here) or Nengo's wiring (FunctionLearner's default)",
    )
    parser.add_argument("--out", default=None, help="write every result as JSON here")
    parser.add_argument("--quiet", action="store_true", help="no line per window")
    args = parser.parse_args()

    options = {"matched_pes": args.pes_wiring == "matched"}
    if args.encoder_rate is not None:
        options["learning_rate"] = args.encoder_rate
    if args.pes_rate is not None:
        options["pes_learning_rate"] = args.pes_rate
    print(
        f"nengo {nengo.__version__}, numpy {np.__version__}, nengo_fa {nengo_fa.__version__}; "
        f"{args.time:g} s per run, options {options or 'default'}",
        flush=True,
    )
    results = []
    for neuron_name in args.types.split(","):
        for n in (int(v) for v in args.neurons.split(",")):
            for rule in args.rules.split(","):
                for seed in (int(v) for v in args.seeds.split(",")):
                    results.append(
                        soak(
                            rule,
                            n,
                            neuron_name,
                            seed,
                            args.time,
                            args.window,
                            verbose=not args.quiet,
                            **options,
                        )
                    )
                    if args.out:
                        with open(args.out, "w") as f:
                            json.dump(results, f, indent=1)
    columns = [float(c) for c in args.columns.split(",")]
    print_table(results, args.reference, columns)


if __name__ == "__main__":
    main()
