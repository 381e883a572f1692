"""Speed of nengo-fa's rules on each simulator: steps/s, and images/s when classifying.

    python benchmarks/backends.py speed      # 784-1000 LIF-10: PES only, FA, BP
    python benchmarks/backends.py classify   # the spiking classifier of classify.py, images/s
    python benchmarks/backends.py            # both

``--simulators`` picks from ``nengo`` (the reference `nengo.Simulator`),
``ocl`` (`nengo_fa.ocl.Simulator`; the device from ``PYOPENCL_CTX``, 0 by
default) and ``dl`` (`nengo_dl.Simulator`, in the pinned nengo-dl
environment of ``constraints/nengo-dl.txt``; one minibatch item, and
``--dl-unroll`` steps built into each iteration of its TensorFlow loop).
Each simulator's warm-up (building, compiling kernels or tracing the
TensorFlow graph, the first steps) is excluded; rules are timed in
alternation over several rounds and the medians reported, so slow drifts of
the machine hit them alike.
"""

import argparse
import os
import pathlib
import statistics
import sys
import time
import warnings

import nengo
import numpy as np

sys.path.insert(0, str(pathlib.Path(__file__).parent))
from product import wide_network  # noqa: E402

import nengo_fa  # noqa: E402,F401

RULES = ("pes", "fa", "bp")

#: Keyword arguments each simulator is created with (set from the command line).
SIMULATOR_OPTIONS = {"dl": {"minibatch_size": 1, "unroll_simulation": 1}}


def simulator_class(name):
    """The simulator class called ``name`` (see the module docstring)."""
    if name == "nengo":
        return nengo.Simulator
    if name == "ocl":
        os.environ.setdefault("PYOPENCL_CTX", "0")
        import nengo_fa.ocl

        return nengo_fa.ocl.Simulator
    if name == "dl":
        import nengo_dl

        return nengo_dl.Simulator
    raise ValueError(f"unknown simulator {name!r}")


def make_simulator(name, net, **kwargs):
    kwargs = {**SIMULATOR_OPTIONS.get(name, {}), **kwargs}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return simulator_class(name)(net, progress_bar=False, **kwargs)


def whole_loops(name, steps):
    """``steps`` rounded up to whole iterations of nengo-dl's unrolled loop."""
    unroll = SIMULATOR_OPTIONS.get(name, {}).get("unroll_simulation", 1)
    return -(-steps // unroll) * unroll


def steps_per_second(name, nets, steps, rounds, warmup=50):
    """Median steps/s of each network on simulator ``name``, and median ratios to the first."""
    steps, warmup = whole_loops(name, steps), whole_loops(name, warmup)
    seconds = np.zeros((rounds, len(nets)))
    for r in range(rounds):
        for i, net in enumerate(nets):
            with make_simulator(name, net) as sim:
                sim.run_steps(warmup)
                start = time.perf_counter()
                sim.run_steps(steps)
                seconds[r, i] = time.perf_counter() - start
    return steps / np.median(seconds, axis=0), np.median(seconds / seconds[:, :1], axis=0)


def learning_floor(pes_step_s, n_hidden=1000, n_in=784, repeats=2000):
    """What any in-place encoder learning must add to a PES-only step, on the reference simulator.

    One rank-one update of the ``n_hidden x n_in`` encoders (BLAS ``ger``,
    `nengo_fa.rank_one`) reads and writes the matrix; returns its time, the
    encoding mat-vec's (which reads it once) and the ratio floor
    ``1 + ger / PES-only step``.
    """
    import timeit

    from nengo_fa.rank_one import rank_one_updater

    rng = np.random.RandomState(0)
    matrix, u, x = rng.rand(n_hidden, n_in), rng.rand(n_hidden), rng.rand(n_in)
    update = rank_one_updater(matrix)
    ger = min(timeit.repeat(lambda: update(1e-12, u, x), number=repeats, repeat=5)) / repeats
    gemv = min(timeit.repeat(lambda: matrix @ x, number=repeats, repeat=5)) / repeats
    return ger, gemv, 1 + ger / pes_step_s


def speed_table(simulators, steps, rounds):
    print("\n784-D input -> 1000 LIF -> 10-D output (PES), steps per second")
    print("| simulator | rule | steps/s | ms per step | ratio to PES only |")
    print("|---|---|---|---|---|")
    rows = []
    for name in simulators:
        rates, ratios = steps_per_second(name, [wide_network(r) for r in RULES], steps, rounds)
        for rule, rate, ratio in zip(RULES, rates, ratios, strict=True):
            rows.append({"simulator": name, "rule": rule, "steps_per_s": rate, "ratio": ratio})
            print(f"| {name} | {rule} | {rate:.0f} | {1e3 / rate:.3f} | {ratio:.2f} |", flush=True)
        if name == "nengo":
            ger, gemv, floor = learning_floor(1.0 / rates[0])
    if "nengo" in simulators:
        print(
            f"\nFloor on the reference simulator: one in-place rank-one update of the 1000x784 "
            f"encoders (BLAS ger) takes {ger * 1e3:.3f} ms, the encoding mat-vec {gemv * 1e3:.3f} "
            f"ms; any encoder learning costs at least 1 + ger / PES-only step = {floor:.2f} "
            "times the PES-only step"
        )
    return rows


def classifier(args, x_train, y_train):
    """The spiking 784-1000-10 FA classifier of ``classify.py spiking``, fed with ``DataFeed``."""
    from classify import build, one_hot

    from nengo_fa.networks import DataFeed

    config = ([1000], "fa", 100.0)
    net = build(config, x_train, args, nengo.LIF(), synapse=args.synapse)
    feed = DataFeed(
        x_train,
        one_hot(y_train),
        presentation_time=args.presentation,
        learn_after=args.learn_after,
        seed=0,
    )
    return net, feed.connect(net)


def classify_table(simulators, args):
    from nengo_fa.datasets import load_standardized

    x_train, y_train, _, _ = load_standardized("fashion-mnist", args.images, 10, path=args.data)
    print(
        f"\nSpiking 784-1000-10 FA classifier (LIF, {args.presentation * 1e3:g} ms per image, "
        f"{args.synapse * 1e3:g} ms synapses), training, images per second"
    )
    print("| simulator | images/s | s per 60k-image epoch |")
    print("|---|---|---|")
    rows = []
    for name in simulators:
        rates = []
        for _ in range(args.rounds):
            net, feed = classifier(args, x_train, y_train)
            with make_simulator(name, net) as sim:
                sim.run_steps(whole_loops(name, int(round(args.presentation / sim.dt))))
                start = time.perf_counter()
                feed.train(sim, 1)
                rates.append(len(x_train) / (time.perf_counter() - start))
        rate = statistics.median(rates)
        rows.append({"simulator": name, "images_per_s": rate})
        print(f"| {name} | {rate:.1f} | {60000 / rate:.0f} |", flush=True)
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", nargs="?", choices=["speed", "classify", "all"], default="all")
    parser.add_argument("--simulators", default="nengo,ocl", help="comma-separated")
    parser.add_argument("--steps", type=int, default=1000, help="steps timed per network")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--images", type=int, default=200, help="images timed (classify)")
    parser.add_argument("--presentation", type=float, default=0.01, help="seconds per image")
    parser.add_argument("--learn-after", type=float, default=0.4)
    parser.add_argument("--synapse", type=float, default=0.002, help="seconds")
    parser.add_argument("--data", default=None, help="Fashion-MNIST directory")
    parser.add_argument("--init-samples", type=int, default=1000)
    parser.add_argument("--readout-rate", type=float, default=0.003)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--dl-unroll",
        type=int,
        default=1,
        help="nengo-dl's unroll_simulation: steps per loop iteration (faster runs, slower "
        "builds; timed steps are rounded up to a multiple)",
    )
    args = parser.parse_args()
    SIMULATOR_OPTIONS["dl"]["unroll_simulation"] = args.dl_unroll
    simulators = [s.strip() for s in args.simulators.split(",") if s.strip()]
    versions = f"nengo {nengo.__version__}, numpy {np.__version__}"
    if "dl" in simulators:
        import nengo_dl
        import tensorflow as tf

        versions += f", nengo-dl {nengo_dl.__version__} (unroll {args.dl_unroll})"
        versions += f", TensorFlow {tf.__version__}"
    print(f"{versions}, simulators: {simulators}")
    if args.what in ("speed", "all"):
        speed_table(simulators, args.steps, args.rounds)
    if args.what in ("classify", "all"):
        classify_table(simulators, args)


if __name__ == "__main__":
    main()
