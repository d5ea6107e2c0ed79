"""The backward pass as an animated GIF: frames, timing, sizes, the Pillow extra."""

import sys

import pytest

from autodiff import Stepper, Value
from tests.autodiff.stepping.test_stepping import neuron

Image = pytest.importorskip("PIL.Image")


def neuron_stepper():
    return Stepper(neuron())


def test_every_step_is_a_frame_of_one_size_and_the_last_is_held(tmp_path):
    stepper = neuron_stepper()
    path = stepper.save_gif(tmp_path / "neuron.gif", interval_ms=500, hold_ms=2500)
    with Image.open(path) as gif:
        assert gif.format == "GIF" and gif.n_frames == len(stepper) == 17
        assert gif.info["loop"] == 0  # loops forever
        durations, sizes, pictures = [], set(), []
        for k in range(gif.n_frames):
            gif.seek(k)
            durations.append(gif.info["duration"])
            sizes.add(gif.size)
            pictures.append(gif.convert("RGB").tobytes())
    assert durations == [500] * 16 + [2500]
    assert len(sizes) == 1 and next(iter(sizes))[0] > 1000
    assert len(set(pictures)) == 17  # every frame shows something new


def test_the_diagram_keeps_its_place_and_the_caption_changes(tmp_path):
    from PIL import ImageOps

    x = Value(2.0, "x")
    y = x * x
    y.label = "y"
    path = Stepper(y).save_gif(tmp_path / "square.gif")
    with Image.open(path) as gif:
        frames = []
        for k in range(gif.n_frames):
            gif.seek(k)
            frames.append(gif.convert("L"))
    width, height = frames[0].size

    def drawn(frame, box):  # the extent of what is not white in that part of the frame
        return ImageOps.invert(frame.crop(box)).point(lambda v: 255 if v > 40 else 0).getbbox()

    diagram = (0, 0, width, height // 2)
    assert len({drawn(frame, diagram) for frame in frames}) == 1  # the boxes never move
    captions = {frames[k].crop((0, height // 2, width, height)).tobytes() for k in range(4)}
    assert len(captions) == 4  # x, y = x × x, the seed, the step at y: four texts


def test_bad_paths_options_and_a_missing_pillow_are_explained(tmp_path, monkeypatch):
    stepper = neuron_stepper()
    with pytest.raises(ValueError, match=r"\.gif"):
        stepper.save_gif(tmp_path / "neuron.png")
    for bad in (0, 2.5, False):
        with pytest.raises(ValueError, match="interval_ms"):
            stepper.save_gif(tmp_path / "neuron.gif", interval_ms=bad)
    existing = tmp_path / "kept.gif"
    existing.write_bytes(b"an earlier file")
    monkeypatch.setitem(sys.modules, "PIL", None)  # as if Pillow were not installed
    with pytest.raises(ImportError, match=r"Pillow.*autodiff-watch\[gif\]"):
        stepper.save_gif(existing)
    assert existing.read_bytes() == b"an earlier file"


def test_dpi_scales_every_frame_of_the_gif(tmp_path):
    x = Value(2.0, "x")
    y = x * x
    stepper = Stepper(y)
    sizes = []
    for name, dpi in (("plain.gif", None), ("sharp.gif", 192)):
        with Image.open(stepper.save_gif(tmp_path / name, dpi=dpi)) as gif:
            sizes.append(gif.size)
    assert 1.8 < sizes[1][0] / sizes[0][0] < 2.2 and 1.8 < sizes[1][1] / sizes[0][1] < 2.2
    with pytest.raises(ValueError, match="dpi"):
        stepper.save_gif(tmp_path / "bad.gif", dpi=-1)
    assert not (tmp_path / "bad.gif").exists()
