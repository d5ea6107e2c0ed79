"""nn.save / nn.load: exact round trip, atomic writes, clear errors."""

import json
import os

import pytest

import nn


def model_and_state():
    model = nn.Sequential(nn.Layer(2, 3, "tanh", seed=1), nn.Residual(nn.Layer(3, 3, "relu")),
                          nn.Layer(3, 2, "softmax"))
    return model, model.state_dict()


@pytest.mark.parametrize("model", [nn.MLP(2, [4, 1], "sigmoid", "sigmoid", seed=3),
                                   model_and_state()[0], nn.Neuron(3, "relu")])
def test_round_trip_is_exact(tmp_path, model):
    path = tmp_path / "model.json"
    nn.save(model, path)
    loaded = nn.load(path)
    assert type(loaded) is type(model) and repr(loaded) == repr(model)
    state = loaded.state_dict()
    assert [v.hex() for v in state.values()] == [v.hex() for v in model.state_dict().values()]
    assert state.keys() == model.state_dict().keys()


def test_save_replaces_the_old_file_atomically(tmp_path, monkeypatch):
    path = tmp_path / "model.json"
    model, _ = model_and_state()
    nn.save(model, path)
    old = path.read_text()

    def crash(*args):
        raise OSError("disk full")

    monkeypatch.setattr(os, "fsync", crash)
    with pytest.raises(OSError, match="disk full"):
        nn.save(nn.MLP(2, [1]), path)
    assert path.read_text() == old
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.json"]  # no temp file left


@pytest.mark.parametrize(
    "mangle, words",
    [
        (lambda text: text[: len(text) // 2], "corrupt or truncated"),
        (lambda text: "", "corrupt or truncated"),
        (lambda text: "[1, 2]", "header"),
        (lambda text: text.replace('"version": 1', '"version": 99'), "version 99"),
        (lambda text: text.replace('"layers.0.neurons.0.b"', '"layers.9.neurons.0.b"'),
         "does not fit"),
        (lambda text: text.replace('"nout": 3', '"nout": 4', 1), "does not fit"),
        (lambda text: text.replace('"type": "Layer"', '"type": "Conv"', 1), "Conv"),
    ],
)
def test_bad_files_raise_clear_errors(tmp_path, mangle, words):
    path = tmp_path / "model.json"
    nn.save(model_and_state()[0], path)
    path.write_text(mangle(path.read_text()))
    with pytest.raises(ValueError, match=words):
        nn.load(path)


def test_binary_garbage_and_missing_files(tmp_path):
    path = tmp_path / "model.json"
    path.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(ValueError, match="not a saved model"):
        nn.load(path)
    with pytest.raises(FileNotFoundError):
        nn.load(tmp_path / "absent.json")


def test_file_is_readable_json(tmp_path):
    path = tmp_path / "m.json"
    nn.save(nn.MLP(1, [1], seed=0), path)
    data = json.loads(path.read_text())
    assert data["config"] == {"type": "MLP", "nin": 1, "sizes": [1], "activation": "relu",
                              "output_activation": "linear"}
    with pytest.raises(TypeError, match="nn model"):
        nn.save(object(), path)
