"""Classification benchmarks: rate-mode and spiking learning in Nengo, and throughput.

    python benchmarks/classify.py rate        # Fashion-MNIST 60k/10k: 784-1000-10, 784-500-500-10
    python benchmarks/classify.py digits      # scikit-learn 8x8 digits, 64-200-10
    python benchmarks/classify.py spiking     # LIF, all of Fashion-MNIST, vs LIFRate twins
    python benchmarks/classify.py presentation  # spiking accuracy/speed vs presentation time
    python benchmarks/classify.py drift --only "784-500-500-10 DFA"  # what drifts in spiking runs
    python benchmarks/classify.py throughput  # samples/s of Nengo against the NumPy reference

Rate mode: rate neurons and no synapses, so a `FeedForward` network learns
from one sample per simulation step (online gradient learning). After each
epoch the test set is run through the same simulator with the learning gate
at 0 (learning frozen). Inputs are standardized per pixel with the training
set's statistics. The learning gate decays by a factor per epoch (a learning
rate schedule applied to every rule at once).

Spiking mode: LIF neurons in every hidden layer, on all of Fashion-MNIST
(``--spiking-train/test``), each image shown for ``--presentation`` seconds with
``--synapse`` on every connection leaving a hidden layer (the readout, the
next layer, PES's activities); the input (a Node) and the error reach their
targets unfiltered, so nothing but the spikes is filtered. Learning is off for
the first ``--learn-after`` of each presentation and the gate is divided by the
number of learning steps, so each image makes the same total update as one
rate-mode step. The test output is the readout (filtered by its synapse only,
probed without one) averaged over the same settled part of each presentation,
and so is the running training accuracy (read while that image is learned).
Each network is compared with its twin: the same network with `LIFRate`
neurons, the same data, epochs, presentation, synapses and schedule. The
table reports training images/s, the mean hidden firing rate and the hidden
spikes per classified test image (in the last test), and the test accuracy
of the learned parameters read through the rate approximation (learning
frozen, no spikes: what learning achieved, apart from the spikes' noise at
test time). ``--input-spikes``
presents the pixels as spike trains (`nengo_fa.networks.SpikeTrains`).
``--checkpoint DIR`` saves what each network has learned after every epoch;
``--resume`` continues an interrupted run from there. ``--rate-scale``
multiplies every network's encoder learning rate.

Presentation mode: accuracy and speed of 784-500-10 FA on a subset against
``--presentations`` and ``--synapses``, spiking and LIFRate.

Drift mode: first, how much a LIF neuron's filtered output, averaged over
the learning steps of an image, varies around its rate; then one spiking
network of the spiking benchmark trained for
``--drift-images`` images at its spiking rate times ``--rate-scale``, with a row
every ``--drift-every`` images: running accuracy, the accuracy of the learned
parameters read through the rate approximation (frozen, ``--drift-test`` test
images), the readout weights' RMS, and per hidden layer the mean rate, the
spread of each neuron's rate across images (its selectivity), the fraction of
silent neurons and the spread of the biases.

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
from nengo_fa.derivatives import rate_curve
from nengo_fa.metrics import confusion_matrix, running_accuracy
from nengo_fa.networks import (
    DataFeed,
    FeedForward,
    SpikeTrains,
    learned_encoders,
    learned_rates,
    learned_weights,
    restore_learned,
    save_learned,
)

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
#: The spiking benchmark: all of Fashion-MNIST, LIF hidden layers, each beside its LIFRate
#: twin. With one hidden layer DFA is FA (the output error through one random matrix), so
#: DFA is run on the deeper network, next to layer-wise FA. Three epochs, the gate halved
#: after each (chosen in rate mode, see docs/benchmarks/classification.rst). The encoder
#: rates are a third of rate mode's where rate mode's drifted with spikes: the readout's
#: spike noise enters every step's error, so biases and encoders diffuse at a speed that
#: grows with the rate (BP 300/s and DFA 30/s lost 6 and 50 points by the third epoch while
#: their twins held; the measurements are in docs/benchmarks/classification.rst).
SPIKING_NETWORKS = {
    ("784-1000-10", "BP"): ([1000], "bp", 100.0, 3, 0.5),
    ("784-1000-10", "FA"): ([1000], "fa", 100.0, 3, 0.5),
    ("784-500-500-10", "FA"): ([500, 500], "fa", 10.0, 3, 0.5),
    ("784-500-500-10", "DFA"): ([500, 500], "dfa", 10.0, 3, 0.5),
}
#: The presentation-time table: 784-500-10 FA on a 10k/2k subset, one epoch.
PRESENTATION_NETWORK = ([500], "fa", 100.0, 1, 1.0)

READOUT_RATE = {
    "rate": 0.003,
    "digits": 0.01,
    "spiking": 0.003,
    "presentation": 0.003,
    "drift": 0.003,
    "throughput": 0.003,
}


def one_hot(labels, n=10):
    return np.eye(n)[labels]


def selected(networks, args):
    keys = [k.strip() for k in args.only.split(",") if k.strip()]
    return {
        key: config
        for key, config in networks.items()
        if not keys or any(k in " ".join(key) for k in keys)
    }


def build(config, x_train, args, neuron_type, synapse=None, error_synapse=None):
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
        error_synapse=error_synapse,
        init_inputs=sample,
        seed=args.seed,
    )


class SpikeCounter:
    """Node function summing a layer's spikes (for rate neurons, rate x dt) while ``on``."""

    def __init__(self, dt):
        self.dt, self.total, self.on = dt, 0.0, False

    def __call__(self, t, x):
        if self.on:
            self.total += float(np.sum(x)) * self.dt


def lowpass(tau):
    return nengo.Lowpass(tau) if tau > 0 else None


def simulator_class(args):
    if args.simulator == "ocl":
        import nengo_fa.ocl

        return nengo_fa.ocl.Simulator
    return nengo.Simulator


def slug(key):
    return "_".join(key).replace(" ", "_").replace("(", "").replace(")", "").replace("=", "")


class Checkpoint:
    """What a run has learned and measured after each epoch, to resume an interrupted run.

    ``DIR/<network>_<rule>.npz`` holds the learned parameters
    (`nengo_fa.networks.save_learned`), ``.json`` the results so far and the
    data feed's shuffling state, ``_correct.npy`` the running-accuracy record.
    """

    def __init__(self, directory, key):
        self.stem = pathlib.Path(directory) / slug(key) if directory else None

    def save(self, sim, feed, result, correct):
        if self.stem is None:
            return
        self.stem.parent.mkdir(parents=True, exist_ok=True)
        save_learned(sim, self.stem.with_suffix(".npz"))
        name, keys, position, has_gauss, cached = feed.rng.get_state()
        state = [name, keys.tolist(), int(position), int(has_gauss), float(cached)]
        np.save(f"{self.stem}_correct.npy", np.concatenate(correct))
        self.stem.with_suffix(".json").write_text(json.dumps({"result": result, "rng": state}))

    def restore(self, sim, feed, result, correct):
        """Continue from the saved state, if any: returns the number of epochs done."""
        if self.stem is None or not self.stem.with_suffix(".json").exists():
            return 0
        saved = json.loads(self.stem.with_suffix(".json").read_text())
        restore_learned(sim, self.stem.with_suffix(".npz"))
        name, keys, position, has_gauss, cached = saved["rng"]
        feed.rng.set_state((name, np.array(keys, dtype=np.uint32), position, has_gauss, cached))
        result.update(saved["result"])
        done = len(result["epochs"])
        correct.extend(np.split(np.load(f"{self.stem}_correct.npy"), done))
        print(f"  {' '.join(result['network:rule'])}: resumed after epoch {done}", flush=True)
        return done


def train_and_test(
    key,
    net,
    data,
    args,
    epochs,
    decay,
    presentation_time=None,
    learn_after=0.0,
    input_process=None,
):
    """Train epoch by epoch in one simulator; test with learning frozen after each epoch.

    Each epoch's learning gate is ``decay ** epoch`` divided by the learning
    steps of a presentation, so each sample makes the same total update
    whatever the presentation. In the last test, the hidden layers' spikes
    are counted.
    """
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
    ).connect(net, input_process=input_process, input_synapse=lowpass(args.synapse))
    learning_steps = feed.learning_steps(args.dt)
    counters = [SpikeCounter(args.dt) for _ in net.layers]
    with net:  # no probe synapse: the readout is filtered already
        output = nengo.Probe(net.output, synapse=None)
        for layer, counter in zip(net.layers, counters, strict=True):
            node = nengo.Node(counter, size_in=layer.n_neurons, label="spike counter")
            nengo.Connection(layer.neurons, node, synapse=None)
    result = {"network": key[0], "rule": key[1], "network:rule": list(key), "epochs": []}
    result["train_images_per_s"] = []
    correct = []
    checkpoint = Checkpoint(args.checkpoint, key)
    with simulator_class(args)(net, dt=args.dt, progress_bar=False) as sim:
        done = checkpoint.restore(sim, feed, result, correct) if args.resume else 0
        elapsed = (0.0, time.perf_counter())  # simulated and wall-clock time so far
        for epoch in range(done, epochs):
            epoch_start = time.perf_counter()
            feed.train(sim, 1, learning_rate=decay**epoch / learning_steps)
            result["train_images_per_s"].append(len(x_train) / (time.perf_counter() - epoch_start))
            shown = y_train[feed.order]
            # read as the test readout is: averaged over the settled (learning) steps
            readout = feed.settled(sim.data[output], args.dt)
            correct.append(np.argmax(readout, axis=1) == shown)
            sim.clear_probes()  # memory stays flat over long runs
            last = epoch == epochs - 1
            for counter in counters:
                counter.on, counter.total = last, 0.0
            predicted = feed.test(sim, output)  # averaged over the settled (learning) steps
            sim.clear_probes()
            result["epochs"].append(float(np.mean(predicted == y_test)))
            print(
                f"  {' '.join(key)}: epoch {epoch + 1} test {result['epochs'][-1]:.4f} "
                f"({result['train_images_per_s'][-1]:.1f} images/s training)",
                flush=True,
            )
            result["confusion"] = confusion_matrix(y_test, predicted, 10).tolist()
            if last:  # the hidden spikes of the final test
                spikes = sum(counter.total for counter in counters)
                n_hidden = sum(layer.n_neurons for layer in net.layers)
                result["spikes_per_image"] = spikes / len(x_test)
                result["mean_rate_hz"] = spikes / (n_hidden * len(x_test) * presentation_time)
            result["simulated_s"] = result.get("simulated_s", 0.0) + float(sim.time) - elapsed[0]
            result["wall_s"] = result.get("wall_s", 0.0) + time.perf_counter() - elapsed[1]
            elapsed = (float(sim.time), time.perf_counter())
            checkpoint.save(sim, feed, result, correct)
        # what was learned, read without spikes: rates through the learned parameters
        frozen = np.argmax(net.frozen_outputs(sim, x_test), axis=1)
        result["rate_approximation_accuracy"] = float(np.mean(frozen == y_test))
    curve = running_accuracy(np.concatenate(correct), args.window)
    result.update(
        curve=curve[args.curve_every - 1 :: args.curve_every].tolist(),
        test_accuracy=result["epochs"][-1],
        curve_every=args.curve_every,
        samples_per_epoch=len(x_train),
    )
    return result


def print_spiking_table(results, title):
    print_table(results, title)
    print(
        "\n| network | rule | final | twin - spiking (points) | training images/s "
        "| mean hidden rate Hz | hidden spikes per test image "
        "| learned parameters through the rate approximation |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for twin, spiking in zip(results[::2], results[1::2], strict=True):
        for r in (twin, spiking):
            gap = 100 * (twin["test_accuracy"] - r["test_accuracy"])
            print(
                f"| {r['network']} | {r['rule']} | {100 * r['test_accuracy']:.2f}% "
                f"| {gap:+.2f} | {np.median(r['train_images_per_s']):.1f} "
                f"| {r['mean_rate_hz']:.1f} | {r['spikes_per_image']:.0f} "
                f"| {100 * r['rate_approximation_accuracy']:.2f}% |",
                flush=True,
            )


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


def spiking_pair(key, config, data, args, presentation, synapse, epochs=None):
    """One network with LIF neurons and its twin with LIFRate neurons, same everything else."""
    network, rule = key
    epochs = epochs or args.epochs or config[3]
    timing = dict(presentation_time=presentation, learn_after=args.learn_after)
    results = []
    for neuron_type, label in ((nengo.LIFRate(), "LIFRate"), (nengo.LIF(), "spiking")):
        net = build(config, data[0], args, neuron_type, synapse=lowpass(synapse))
        process = None
        if args.input_spikes != "none" and label == "spiking":
            process = SpikeTrains(
                data[0].shape[1], args.input_rate, args.input_scale, kind=args.input_spikes
            )
            label = f"spiking, {args.input_spikes} input"
        results.append(
            train_and_test(
                (network, f"{rule} {label}"),
                net,
                data,
                args,
                epochs,
                config[4],
                input_process=process,
                **timing,
            )
        )
    return results


def run_spiking(args):
    """LIF networks on all of Fashion-MNIST (or ``--spiking-train/test``), each beside its twin."""
    data = fashion(args, n_train=args.spiking_train, n_test=args.spiking_test)
    results = []
    for key, config in selected(SPIKING_NETWORKS, args).items():
        config = scaled_rate(config, args)
        print(f"  {' '.join(key)}: encoder rate {config[2]:g}/s", flush=True)
        results += spiking_pair(key, config, data, args, args.presentation, args.synapse)
    return results


def scaled_rate(config, args):
    """``config`` with its encoder learning rate times ``--rate-scale``."""
    return (config[0], config[1], config[2] * args.rate_scale) + tuple(config[3:])


def run_presentation(args):
    """Accuracy and speed against presentation time and synapse (784-500-10 FA, a subset)."""
    data = fashion(args, n_train=args.subset_train, n_test=args.subset_test)
    rows = []
    for presentation in (float(p) for p in args.presentations.split(",")):
        for synapse in (float(v) for v in args.synapses.split(",")):
            pair = spiking_pair(
                ("784-500-10", "FA"),
                PRESENTATION_NETWORK,
                data,
                args,
                presentation,
                synapse,
                epochs=1,
            )
            for r in pair:
                r.update(presentation=presentation, synapse=synapse)
            rows += pair
    print(
        f"\n784-500-10 FA, {args.subset_train} train / {args.subset_test} test images, one "
        f"epoch, learning off for the first {args.learn_after:g} of each image"
    )
    print(
        "| ms per image | synapse ms | neurons | test accuracy | training images/s "
        "| mean hidden rate Hz | hidden spikes per image |"
    )
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        print(
            f"| {r['presentation'] * 1e3:g} | {r['synapse'] * 1e3:g} | {r['rule'].split()[-1]} "
            f"| {100 * r['test_accuracy']:.2f}% | {r['train_images_per_s'][-1]:.1f} "
            f"| {r['mean_rate_hz']:.1f} | {r['spikes_per_image']:.0f} |",
            flush=True,
        )
    return rows


def window_noise(args, n_neurons=20000, presentations=200, seed=0):
    """How a LIF neuron's filtered output, averaged over an image's learning steps, varies.

    Every neuron alternates between a random current and its own fixed current
    for one presentation each (so each probe starts from whatever state the
    previous image left); returns rows of (rate band Hz, mean over the
    learning steps / rate, its standard deviation in Hz) over the probes.
    """
    rng = np.random.RandomState(seed)
    lif, steps = nengo.LIF(), int(round(args.presentation / args.dt))
    keep = steps - int(round(args.learn_after * steps))
    currents = rng.uniform(0.5, 8.0, n_neurons)
    rates = rate_curve(lif, currents)
    voltage, refractory = rng.uniform(0, 1, n_neurons), np.zeros(n_neurons)
    spikes, filtered = np.zeros(n_neurons), np.zeros(n_neurons)
    decay = np.exp(-args.dt / args.synapse)
    means = []
    for p in range(presentations):
        probe = p % 2 == 1
        drive = currents if probe else rng.uniform(0.5, 8.0, n_neurons)
        window = np.zeros(n_neurons)
        for k in range(steps):
            lif.step(args.dt, drive, spikes, voltage, refractory)
            filtered = decay * filtered + (1 - decay) * spikes
            window += filtered if k >= steps - keep else 0
        if probe:
            means.append(window / keep)
    means = np.array(means)
    rows = []
    for low, high in ((50, 100), (100, 150), (150, 200), (200, 250)):
        band = (rates >= low) & (rates < high)
        ratio = means[:, band].mean() / rates[band].mean()
        rows.append((f"{low}-{high}", ratio, means[:, band].std(axis=0).mean()))
    return rows


def run_drift(args):
    """Spiking training in chunks, with what has changed after each (see the module docstring)."""
    print(
        f"\nA LIF neuron's {args.synapse * 1e3:g} ms-filtered output averaged over the "
        f"learning steps of a {args.presentation * 1e3:g} ms image, against its rate\n"
        "| rate Hz | mean / rate | standard deviation Hz |\n|---|---|---|"
    )
    for band, ratio, sd in window_noise(args):
        print(f"| {band} | {ratio:.3f} | {sd:.0f} |", flush=True)
    x_train, y_train, x_test, y_test = fashion(args, n_test=args.drift_test)
    rows = []
    for key, config in selected(SPIKING_NETWORKS, args).items():
        config = scaled_rate(config, args)
        net = build(config, x_train, args, nengo.LIF(), synapse=lowpass(args.synapse))
        feed = DataFeed(
            x_train,
            one_hot(y_train),
            presentation_time=args.presentation,
            learn_after=args.learn_after,
            seed=args.seed,
        ).connect(net)
        steps, learning_steps = feed.steps(args.dt), feed.learning_steps(args.dt)
        with net:
            output = nengo.Probe(net.output, synapse=None)
        print(f"\n{' '.join(key)} spiking, encoder rate {config[2]:g}/s", flush=True)
        header = "| images | running accuracy | frozen rate-approx. accuracy | readout RMS |"
        for k in range(len(net.layers)):
            header += f" layer {k}: rate Hz, selectivity Hz, silent, bias sd |"
        print(header + "\n" + "|---" * (4 + len(net.layers)) + "|", flush=True)
        with simulator_class(args)(net, dt=args.dt, progress_bar=False) as sim:
            feed.phase, feed.learning_rate = "train", 1.0 / learning_steps
            feed.order, feed.start = feed.rng.permutation(len(x_train)), sim.time
            for done in range(args.drift_every, args.drift_images + 1, args.drift_every):
                sim.run_steps(args.drift_every * steps)
                shown = y_train[feed.order[done - args.drift_every : done]]
                running = np.mean(feed.settled(sim.data[output], args.dt).argmax(1) == shown)
                sim.clear_probes()
                row = dict(network=key[0], rule=key[1], images=done, running=float(running))
                x, cells = x_test, []
                for ens in net.layers:
                    x = learned_rates(sim, ens, x)
                    _, bias = learned_encoders(sim, ens)
                    silent = np.mean(x.max(axis=0) < 1)
                    layer = (x.mean(), x.std(axis=0).mean(), silent, bias.std())
                    cells.append("{:.0f}, {:.0f}, {:.2f}, {:.2f}".format(*layer))
                    row.setdefault("layers", []).append([float(v) for v in layer])
                weights = learned_weights(sim, net.readout)
                row["frozen"] = float(np.mean((x @ weights.T).argmax(1) == y_test))
                row["readout_rms"] = float(np.sqrt(np.mean(weights**2)))
                print(
                    f"| {done} | {running:.3f} | {row['frozen']:.3f} | {row['readout_rms']:.2e} | "
                    + " | ".join(cells)
                    + " |",
                    flush=True,
                )
                rows.append(row)
    return rows


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


def main_parser():
    """The command-line options (also used by benchmarks/figures.py to rebuild networks)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "what", choices=["rate", "digits", "spiking", "presentation", "drift", "throughput"]
    )
    parser.add_argument("--epochs", type=int, default=None, help="override every network's")
    parser.add_argument("--readout-rate", type=float, default=None, help="PES learning rate")
    parser.add_argument("--init-samples", type=int, default=1000)
    parser.add_argument("--dt", type=float, default=0.001)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--only", default="", help="comma-separated parts of network names")
    parser.add_argument("--data", default=None, help="Fashion-MNIST directory")
    parser.add_argument("--window", type=int, default=1000, help="running-accuracy window")
    parser.add_argument("--curve-every", type=int, default=500)
    parser.add_argument("--spiking-train", type=int, default=60000)
    parser.add_argument("--spiking-test", type=int, default=10000)
    parser.add_argument("--subset-train", type=int, default=10000, help="presentation table")
    parser.add_argument("--subset-test", type=int, default=2000, help="presentation table")
    parser.add_argument("--presentations", default="0.01,0.02,0.03,0.05", help="seconds")
    parser.add_argument("--synapses", default="0.002,0.005", help="seconds")
    parser.add_argument(
        "--input-spikes",
        choices=["none", "poisson", "regular"],
        default="none",
        help="present the pixels to the spiking networks as spike trains (SpikeTrains)",
    )
    parser.add_argument("--input-rate", type=float, default=500.0, help="Hz at --input-scale")
    parser.add_argument(
        "--input-scale", type=float, default=3.0, help="|standardized pixel| firing at the rate"
    )
    parser.add_argument("--simulator", choices=["nengo", "ocl"], default="nengo")
    parser.add_argument("--checkpoint", default=None, help="save learning after each epoch here")
    parser.add_argument(
        "--resume", action="store_true", help="continue from the --checkpoint directory"
    )
    parser.add_argument("--presentation", type=float, default=0.01, help="seconds per image")
    parser.add_argument("--learn-after", type=float, default=0.4)
    parser.add_argument("--synapse", type=float, default=0.002, help="seconds (0: none)")
    parser.add_argument("--drift-images", type=int, default=60000)
    parser.add_argument("--drift-every", type=int, default=12000)
    parser.add_argument("--drift-test", type=int, default=2000, help="test images for drift")
    parser.add_argument(
        "--rate-scale", type=float, default=1.0, help="spiking, drift: encoder rates times this"
    )
    parser.add_argument("--throughput-samples", type=int, default=5000)
    parser.add_argument("--out", default=None, help="save results as JSON here")
    return parser


def main():
    args = main_parser().parse_args()
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
    elif args.what == "presentation":
        results = run_presentation(args)
    elif args.what == "drift":
        results = run_drift(args)
    elif args.what == "spiking":
        results = run_spiking(args)
        print_spiking_table(
            results,
            f"Spiking (LIF, {args.presentation * 1e3:g} ms per image, {args.synapse * 1e3:g} ms "
            f"synapses) against its LIFRate twin, "
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
