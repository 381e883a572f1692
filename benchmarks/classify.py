"""Classification benchmarks: rate-mode and spiking learning in Nengo, and throughput.

    python benchmarks/classify.py rate        # Fashion-MNIST 60k/10k: 784-1000-10, 784-500-500-10
    python benchmarks/classify.py digits      # scikit-learn 8x8 digits, 64-200-10
    python benchmarks/classify.py spiking     # LIF, 10k/2k Fashion-MNIST subset, vs rate mode
    python benchmarks/classify.py throughput  # samples/s of Nengo against the NumPy reference

Rate mode: rate neurons and no synapses, so a `FeedForward` network learns
from one sample per simulation step (online gradient learning). After each
epoch the test set is run through the same simulator with the learning gate
at 0 (learning frozen). Inputs are standardized per pixel with the training
set's statistics. The learning gate decays by a factor per epoch (a learning
rate schedule applied to every rule at once).

Spiking mode: LIF neurons, each image shown for ``--presentation`` seconds
with ``--synapse`` on every connection; learning is off for the first
``--learn-after`` of each presentation and the gate is divided by the number
of learning steps, so each image makes the same total update as one
rate-mode step. The test output is the filtered output averaged over the
second half of each presentation.

Results are printed as tables and saved as JSON (``--out``) for
``benchmarks/figures.py``, which draws the pictures in ``docs/``.
"""

import argparse
import json
import pathlib
import resource
import sys
import time

import nengo
import numpy as np

import nengo_fa
from nengo_fa.datasets import load_standardized
from nengo_fa.metrics import confusion_matrix, running_accuracy
from nengo_fa.networks import DataFeed, FeedForward

#: (network, rule) -> (hidden layers, rule, encoder learning rate, epochs, gate decay per epoch).
#: Rates and schedules were chosen with the exact NumPy reference (tests/reference.py)
#: from 1, 3, 10, 30, 100, 300 and 1000 per second; docs/benchmarks/classification.rst
#: ("What each choice bought") lists the search.
RATE_NETWORKS = {
    ("784-1000-10", "PES only"): ([1000], "pes", 0.0, 6, 0.7),
    ("784-1000-10", "FA"): ([1000], "fa", 100.0, 10, 0.75),
    ("784-1000-10", "BP"): ([1000], "bp", 300.0, 6, 0.7),
    ("784-500-500-10", "PES only"): ([500, 500], "pes", 0.0, 6, 0.7),
    ("784-500-500-10", "BP"): ([500, 500], "bp", 100.0, 8, 0.7),
    ("784-500-500-10", "FA"): ([500, 500], "fa", 30.0, 12, 0.8),
    ("784-500-500-10", "DFA"): ([500, 500], "dfa", 30.0, 10, 0.75),
}
DIGITS_NETWORKS = {
    ("64-200-10", "PES only"): ([200], "pes", 0.0, 10, 0.8),
    ("64-200-10", "FA"): ([200], "fa", 100.0, 10, 0.8),
    ("64-200-10", "BP"): ([200], "bp", 300.0, 10, 0.8),
}
#: With one hidden layer DFA is FA (the output error through one random matrix),
#: so DFA is run on the deeper network, next to layer-wise FA.
SPIKING_NETWORKS = {
    ("784-500-10", "BP"): ([500], "bp", 300.0, 1, 1.0),
    ("784-500-10", "FA (= DFA)"): ([500], "fa", 100.0, 1, 1.0),
    ("784-500-500-10", "FA"): ([500, 500], "fa", 30.0, 1, 1.0),
    ("784-500-500-10", "DFA"): ([500, 500], "dfa", 30.0, 1, 1.0),
}
READOUT_RATE = {"rate": 0.003, "digits": 0.01, "spiking": 0.003, "throughput": 0.003}


def one_hot(labels, n=10):
    return np.eye(n)[labels]


def selected(networks, args):
    keys = [k.strip() for k in args.only.split(",") if k.strip()]
    return {
        key: config
        for key, config in networks.items()
        if not keys or any(k in " ".join(key) for k in keys)
    }


def build(config, x_train, args, neuron_type, synapse=None):
    hidden, rule, rate = config[:3]
    rng = np.random.RandomState(args.seed)
    sample = x_train[rng.choice(len(x_train), min(args.init_samples, len(x_train)), False)]
    return FeedForward(
        x_train.shape[1],
        hidden,
        10,
        rule=rule,
        neuron_type=neuron_type,
        learning_rate=rate or 1.0,
        readout_learning_rate=args.readout_rate,
        synapse=synapse,
        error_synapse=synapse,
        init_inputs=sample,
        seed=args.seed,
    )


def train_and_test(key, net, data, args, epochs, decay, presentation_time=None, learn_after=0.0):
    """Train epoch by epoch in one simulator; test with learning frozen after each epoch."""
    x_train, y_train, x_test, y_test = data
    presentation_time = presentation_time or args.dt
    feed = DataFeed(
        x_train,
        one_hot(y_train),
        x_test,
        one_hot(y_test),
        presentation_time=presentation_time,
        learn_after=learn_after,
        seed=args.seed,
    ).connect(net)
    steps = int(round(presentation_time / args.dt))
    learning_steps = max(1, steps - int(round(learn_after * steps)))
    spiking = steps > 1
    with net:
        output = nengo.Probe(net.output, synapse=0.01 if spiking else None)
    result = {"network": key[0], "rule": key[1], "epochs": []}
    correct = []
    start = time.perf_counter()
    with nengo.Simulator(net, dt=args.dt, progress_bar=False) as sim:
        for epoch in range(epochs):
            first = len(sim.data[output])
            feed.train(sim, 1, learning_rate=decay**epoch / learning_steps)
            shown = y_train[feed.order]
            trained = np.asarray(sim.data[output][first:]).reshape(len(shown), steps, 10)
            correct.append(np.argmax(trained[:, -1], axis=1) == shown)
            predicted = feed.test(sim, output, average=0.5 if spiking else 1.0)
            result["epochs"].append(float(np.mean(predicted == y_test)))
            print(
                f"  {' '.join(key)}: epoch {epoch + 1} test {result['epochs'][-1]:.4f}", flush=True
            )
        curve = running_accuracy(np.concatenate(correct), args.window)
        result["curve"] = curve[args.curve_every - 1 :: args.curve_every].tolist()
        result["confusion"] = confusion_matrix(y_test, predicted, 10).tolist()
        result["simulated_s"] = float(sim.time)
    result.update(
        wall_s=time.perf_counter() - start,
        test_accuracy=result["epochs"][-1],
        curve_every=args.curve_every,
        samples_per_epoch=len(x_train),
    )
    return result


def print_table(results, title):
    print(f"\n{title}")
    print("| network | rule | test accuracy after each epoch (%) | final | simulated s | wall s |")
    print("|---|---|---|---|---|---|")
    for r in results:
        per_epoch = " ".join(f"{100 * a:.1f}" for a in r["epochs"])
        print(
            f"| {r['network']} | {r['rule']} | {per_epoch} | **{100 * r['test_accuracy']:.2f}%** "
            f"| {r['simulated_s']:.0f} | {r['wall_s']:.0f} |",
            flush=True,
        )


def fashion(args, n_train=None, n_test=None):
    return load_standardized("fashion-mnist", n_train, n_test, path=args.data)


def run_rate(args, networks, data):
    results = []
    for key, config in selected(networks, args).items():
        net = build(config, data[0], args, nengo.RectifiedLinear())
        epochs = args.epochs or config[3]
        results.append(train_and_test(key, net, data, args, epochs, config[4]))
    return results


def run_spiking(args):
    """LIF networks on a Fashion-MNIST subset, against rate mode on the same subset."""
    data = fashion(args, n_train=args.spiking_train, n_test=args.spiking_test)
    results = []
    for (network, rule), config in selected(SPIKING_NETWORKS, args).items():
        epochs = args.epochs or config[3]
        rate_net = build(config, data[0], args, nengo.LIFRate())
        results.append(
            train_and_test((network, f"{rule} rate"), rate_net, data, args, epochs, config[4])
        )
        spiking_net = build(config, data[0], args, nengo.LIF(), synapse=args.synapse)
        results.append(
            train_and_test(
                (network, f"{rule} spiking"),
                spiking_net,
                data,
                args,
                epochs,
                config[4],
                presentation_time=args.presentation,
                learn_after=args.learn_after,
            )
        )
    return results


def run_throughput(args):
    """Samples per second: Nengo rate network against the NumPy reference, same update."""
    sys.path.insert(0, str(pathlib.Path(__file__).parents[1] / "tests"))
    from reference import ReferenceLearner  # the tests' NumPy oracle of FeedForward

    x_train, y_train, _, _ = fashion(args, n_train=args.throughput_samples, n_test=10)
    targets = one_hot(y_train)
    results = []
    for key, config in selected(RATE_NETWORKS, args).items():
        net = build(config, x_train, args, nengo.RectifiedLinear())
        feed = DataFeed(x_train, targets, seed=args.seed).connect(net)
        with nengo.Simulator(net, dt=args.dt, progress_bar=False) as sim:
            reference = ReferenceLearner.from_simulator(sim, net)
            feed.train(sim, 1)  # warm up
            start = time.perf_counter()
            feed.train(sim, 1)
            nengo_rate = len(x_train) / (time.perf_counter() - start)
        order = np.random.RandomState(0).permutation(len(x_train))
        for _ in range(2):  # the first pass warms up
            start = time.perf_counter()
            for i in order:
                reference.step(x_train[i], targets[i])
            numpy_rate = len(x_train) / (time.perf_counter() - start)
        results.append(
            {
                "network": key[0],
                "rule": key[1],
                "nengo_per_s": nengo_rate,
                "numpy_per_s": numpy_rate,
            }
        )
        print(f"  {' '.join(key)}: nengo {nengo_rate:.0f}/s, numpy {numpy_rate:.0f}/s", flush=True)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\nThroughput, rate mode, one sample per step ({len(x_train)} samples timed)")
    print("| network | rule | Nengo samples/s | NumPy samples/s | Nengo time / NumPy time |")
    print("|---|---|---|---|---|")
    for r in results:
        print(
            f"| {r['network']} | {r['rule']} | {r['nengo_per_s']:.0f} | {r['numpy_per_s']:.0f} "
            f"| {r['numpy_per_s'] / r['nengo_per_s']:.2f} |"
        )
    print(f"\nPeak resident memory of the process: {peak:.0f} MiB")
    return results + [{"peak_mib": peak}]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=["rate", "digits", "spiking", "throughput"])
    parser.add_argument("--epochs", type=int, default=None, help="override every network's")
    parser.add_argument("--readout-rate", type=float, default=None, help="PES learning rate")
    parser.add_argument("--init-samples", type=int, default=1000)
    parser.add_argument("--dt", type=float, default=0.001)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--only", default="", help="comma-separated parts of network names")
    parser.add_argument("--data", default=None, help="Fashion-MNIST directory")
    parser.add_argument("--window", type=int, default=1000, help="running-accuracy window")
    parser.add_argument("--curve-every", type=int, default=500)
    parser.add_argument("--spiking-train", type=int, default=10000)
    parser.add_argument("--spiking-test", type=int, default=2000)
    parser.add_argument("--presentation", type=float, default=0.05, help="seconds per image")
    parser.add_argument("--learn-after", type=float, default=0.4)
    parser.add_argument("--synapse", type=float, default=0.005)
    parser.add_argument("--throughput-samples", type=int, default=5000)
    parser.add_argument("--out", default=None, help="save results as JSON here")
    args = parser.parse_args()
    args.readout_rate = args.readout_rate or READOUT_RATE[args.what]
    print(f"nengo {nengo.__version__}, numpy {np.__version__}, nengo_fa {nengo_fa.__version__}")

    if args.what == "rate":
        results = run_rate(args, RATE_NETWORKS, fashion(args))
        print_table(
            results, "Fashion-MNIST, rate mode (RectifiedLinear), 60000 train / 10000 test"
        )
    elif args.what == "digits":
        data = load_standardized("digits")
        results = run_rate(args, DIGITS_NETWORKS, data)
        print_table(results, f"8x8 digits, rate mode, {len(data[0])} train / {len(data[2])} test")
    elif args.what == "spiking":
        results = run_spiking(args)
        print_table(
            results,
            f"Spiking (LIF, {args.presentation * 1e3:g} ms per image) against rate (LIFRate), "
            f"{args.spiking_train} train / {args.spiking_test} test images",
        )
    else:
        results = run_throughput(args)
    if args.out:
        path = pathlib.Path(args.out)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({"args": vars(args), "results": results}, indent=1))


if __name__ == "__main__":
    main()
