"""Big graphs drawn collapsed by their structure (autodiff.drawing.explorer): a 2-16-16-1
MLP on one data point (about 1,000 nodes) is drawn as its units, in order, in
layer columns; its exports stay usable; in the HTML a click expands a unit into
its scalar nodes and folds it back (headless Chromium)."""

from __future__ import annotations

import re

import pytest

import nn
from autodiff import Value, draw, scope
from tests.autodiff.drawing.test_drawing_order import needs_dot
from tests.autodiff.stepping.test_player_browser import browser, open_page  # noqa: F401 (fixtures)


@pytest.fixture(scope="module")
def big():
    model = nn.MLP(2, [16, 16, 1], activation="tanh", seed=0)
    E = nn.squared_error(model([0.5, -1.0]), [1.0])
    E.label = "E"
    E.backward()
    return E


@needs_dot
def test_a_900_node_mlp_is_drawn_as_its_units(big, tmp_path):
    from autodiff import topological_order

    assert len(topological_order(big)) > 900
    d = draw(big)  # over max_nodes=300: collapsed, not refused
    assert d.explorer is not None and d.explorer.depth == 2
    assert sorted(d.boxes.values()) == sorted(
        f"layers.{k}/neurons.{j}" for k, n in enumerate([16, 16, 1]) for j in range(n))
    assert "click to expand each module" in repr(d)
    layout = d.layout()
    for layer, n in ((0, 16), (1, 16)):  # the boxes of a layer, top to bottom, in order
        tops = sorted((-float(o["pos"].split(",")[1]), o["name"]) for o in layout["objects"]
                      if d.boxes.get(o["name"], "").startswith(f"layers.{layer}/"))
        assert [d.boxes[name] for _, name in tops] == [f"layers.{layer}/neurons.{j}"
                                                       for j in range(n)]
    svg = d.save_as(tmp_path / "big.svg").read_text()
    assert svg.count("class=\"node\"") < 60 and "z₁₆⁽³⁾" in svg  # a box says what leaves it
    png = d.save_as(tmp_path / "big.png", dpi=150).read_bytes()
    assert png.startswith(b"\x89PNG")
    bundle, _ = d._repr_mimebundle_()
    assert {"text/html", "image/png", "image/svg+xml"} <= bundle.keys()
    assert '<img alt="&lt;Diagram' in bundle["text/html"]  # the picture where no script runs


@needs_dot
def test_expanding_a_unit_draws_its_scalar_nodes_in_its_slot(big):
    d = draw(big)
    opened = d.explorer.diagram("layers.1/neurons.2")
    assert "layers.1/neurons.2" not in opened.boxes.values() and len(opened.boxes) == 32
    labels = " ".join(view.lines[0][0].text for view in opened.views.values() if view.lines)
    assert all(f"w_3{i}^(3)" in labels or f"w_3,{i}^(3)" in labels for i in range(1, 17))
    layout = opened.layout()  # unit 3 is drawn between the boxes of units 2 and 4
    unit3 = next(o for o in layout["objects"] if o["name"] == "cluster_layers_1__neurons_2")
    _, y0, _, y1 = map(float, unit3["bb"].split(","))
    pos = {opened.boxes[o["name"]]: float(o["pos"].split(",")[1]) for o in layout["objects"]
           if o["name"] in opened.boxes}
    assert pos["layers.1/neurons.1"] > y1 and pos["layers.1/neurons.3"] < y0


@needs_dot
def test_user_scopes_group_a_big_graph():
    parts = []
    for k in range(8):
        with scope(f"block{k}"):
            xs = [Value(float(i), f"x{i}") for i in range(5 * k, 5 * k + 5)]
            parts.append(sum((x * x for x in xs), Value(0.0)))
    total = sum(parts, Value(0.0))
    total.backward()
    tiny = draw(total, max_nodes=40)
    assert sorted(tiny.boxes.values()) == [f"block{k}" for k in range(8)]
    assert set(tiny.explorer.views()) == {"", *tiny.boxes.values()}  # each expands
    with pytest.raises(ValueError, match=r"max_nodes=5.*collapse.*draw only part"):
        draw(total, max_nodes=5)


@needs_dot
def test_collapse_auto_and_html_of_a_small_graph(tmp_path):
    E = nn.squared_error(nn.MLP(2, [2, 1], seed=1)([1.0, 2.0]), [0.0])
    d = draw(E, collapse="auto")
    assert d.explorer is not None and len(d.boxes) == 3
    plain = draw(E).save_as(tmp_path / "plain.html").read_text()
    assert plain.startswith("<!DOCTYPE html>") and "<svg" in plain


CLICKABLE = "() => document.querySelectorAll('.autodiff-explorer g.autodiff-click').length"


@needs_dot
def test_a_click_expands_a_unit_and_folds_it_back(open_page, big, tmp_path):  # noqa: F811
    path = draw(big).save_as(tmp_path / "big.html")
    page = open_page(path, 1000)
    page.wait_for_selector(".autodiff-explorer svg")
    assert page.evaluate(CLICKABLE) == 33 and not page.refused
    picture = page.query_selector(".autodiff-explorer [data-role=picture]")
    assert picture.bounding_box()["width"] <= 1000
    page.screenshot(path=str(tmp_path / "collapsed.png"))
    box = page.locator(".autodiff-explorer g.node", has_text="z₃⁽³⁾")
    box.first.click()
    page.wait_for_selector(".autodiff-explorer[data-open='layers.1/neurons.2']")
    where = page.text_content("[data-role=where]")
    assert where.startswith("layer 3, unit 3 expanded")
    texts = page.evaluate("() => [...document.querySelectorAll('.autodiff-explorer g.node')]"
                          ".map((g) => g.textContent)")
    assert sum(bool(re.search(r"w₃,?\S*⁽³⁾", t)) for t in texts) == 16
    page.screenshot(path=str(tmp_path / "expanded.png"))
    page.click("[data-role=fold]")
    page.wait_for_selector(".autodiff-explorer[data-open='']")
    assert page.evaluate(CLICKABLE) == 33
    box.first.click()  # and the expanded unit's own frame folds it too
    page.wait_for_selector(".autodiff-explorer[data-open='layers.1/neurons.2']")
    page.locator(".autodiff-explorer g.cluster.autodiff-click text", has_text="unit 3").click()
    page.wait_for_selector(".autodiff-explorer[data-open='']")


@needs_dot
def test_the_explorer_speaks_japanese(open_page, big, tmp_path):  # noqa: F811
    d = draw(big, lang="ja")
    fragment = d.explorer.fragment()
    assert "ノートブックを信頼する" in fragment and "trust the notebook" not in fragment
    assert re.search(r"\d+ ノード", d.source) and not re.search(r"\d+ nodes\b", d.source)
    assert "の値" in d.source and not re.search(r"the value of|network input|the number",
                                                d.source)
    assert not re.search(r" in (layer|unit|第)", d.source)  # hover: "u（第 2 層、ユニット 1）"
    page = open_page(d.save_as(tmp_path / "big_ja.html"), 1024)
    page.wait_for_selector(".autodiff-explorer svg")
    assert page.text_content("[data-role=where]").startswith("すべてのグループを折りたたんで")
    page.locator(".autodiff-explorer g.node", has_text="z₃⁽³⁾").first.click()
    page.wait_for_selector(".autodiff-explorer[data-open='layers.1/neurons.2']")
    assert page.text_content("[data-role=where]").startswith("第 3 層、ユニット 3 を展開中")
    assert page.text_content("[data-role=fold]") == "▴ 折りたたむ"
    page.screenshot(path=str(tmp_path / "expanded_ja.png"))
