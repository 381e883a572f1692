"""The examples load (as Nengo GUI loads them: a module defining ``model``) and run as scripts."""

import nengo
import numpy as np
import pytest
from conftest import EXAMPLES, load_example

from nengo_fa.networks import learned_encoders, learned_weights


def test_learn_product_defines_model_and_runs_as_script(tmp_path, monkeypatch):
    example = load_example("learn_product")
    assert isinstance(example.model, nengo.Network)
    assert set(example.model.learners) == {"pes", "fa", "bp"}
    with nengo.Simulator(example.model, progress_bar=False) as sim:
        sim.run_steps(10)

    output = tmp_path / "figure.png"
    monkeypatch.setattr("sys.argv", ["learn_product.py", "--time", "0.5", "--output", str(output)])
    example.main()
    assert output.stat().st_size > 10_000


def test_classify_digits_shows_the_digit_and_guess_while_learning(capsys, monkeypatch):
    example = load_example("classify_digits")
    model = example.model
    assert isinstance(model, nengo.Network)
    display = model.digit.output
    with model:
        error = nengo.Probe(model.error, synapse=None)
        shown = nengo.Probe(model.input, synapse=None)
    with nengo.Simulator(model, progress_bar=False) as sim:
        sim.run(0.12)  # three images of 50 ms
    html = display._nengo_html_
    assert html.count("<rect") == 64 and "guess" in html and "label" in html
    assert np.any(sim.data[error] != 0)
    feed = model.feed
    expected = feed.data["train"][0][feed.order[feed.index(sim.time)]]
    np.testing.assert_array_equal(sim.data[shown][-1], expected)

    monkeypatch.setattr("sys.argv", ["classify_digits.py", "--epochs", "2"])
    example.main()
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 2 and lines[-1].startswith("epoch 2: test accuracy")
    assert float(lines[-1].split()[-3]) > 0.9


def test_compare_rules_measures_accuracy_alignment_and_snr():
    example = load_example("compare_rules")
    assert isinstance(example.model, nengo.Network)
    data = example.load(n_train=300, n_test=100, dataset="digits")
    result = example.train("fa", data, epochs=1, sample_every=5, hidden=40)
    assert 0 <= result["angle"][0] <= 180 and -1 <= result["batch_cosine"][0] <= 1
    assert result["accuracy"][0] > 0.3
    exact = example.train("bp", data, epochs=1, sample_every=5, hidden=40)
    assert exact["angle"][0] < 1e-3 and exact["batch_cosine"][0] == pytest.approx(1)
    snr, n = example.initial_snr("bp", data, data[0], n_samples=200, hidden=40)
    node_snr, _ = example.initial_snr("np", data, data[0], n_samples=200, hidden=40)
    assert n == 200 and snr > node_snr > 0


def readme_code(heading):
    """The first Python code block after ``heading`` in the README."""
    text = (EXAMPLES.parent / "README.md").read_text(encoding="utf-8")
    section = text.split(heading, 1)[1]
    return section.split("```python\n", 1)[1].split("```", 1)[0]


def test_the_readme_model_runs_and_learns():
    code = readme_code("## Use it in your own model")
    namespace = {}
    exec(compile(code, "README.md", "exec"), namespace)  # noqa: S102
    sim, probe = namespace["sim"], namespace["error_probe"]
    error = sim.data[probe][:, 0]
    assert np.sqrt(np.mean(error[-10000:] ** 2)) < 0.4 * np.sqrt(np.mean(error[:10000] ** 2))


def test_learn_product_learning_slider_freezes_every_learner():
    example = load_example("learn_product")
    model = example.build_model(n_neurons=10, seed=1)
    model.learning.output = 0.0
    with nengo.Simulator(model, progress_bar=False) as sim:
        sim.run(1.0)
        for learner in model.learners.values():
            encoders, bias = learned_encoders(sim, learner.hidden)
            np.testing.assert_array_equal(encoders, sim.data[learner.hidden].scaled_encoders)
            np.testing.assert_array_equal(bias, sim.data[learner.hidden].bias)
            assert not np.any(learned_weights(sim, learner.layer2))
    model.learning.output = 1.0
    with nengo.Simulator(model, progress_bar=False) as sim:
        sim.run(1.0)
        assert all(np.any(learned_weights(sim, n.layer2)) for n in model.learners.values())
