"""A long nn.fit run does not grow memory: each step's graph is freed."""

import gc
import tracemalloc

import nn

X, D = nn.datasets.xor()


def traced_growth(loss, chunks, epochs):
    """Traced bytes still held after `chunks` fits of `epochs` epochs (4 steps
    each: minibatches of 1), over what was held after a first, warm-up fit;
    and the peak above that during the last fit."""
    model = nn.MLP(2, [3, 1], "tanh", "sigmoid", seed=0)
    optimizer = nn.Adam(model.parameters(), lr=0.05)

    def run():
        nn.fit(model, X, D, loss=loss, optimizer=optimizer, epochs=epochs, batch_size=1)
        gc.collect()

    tracemalloc.start()
    try:
        run()
        base = tracemalloc.get_traced_memory()[0]
        for _ in range(chunks):
            tracemalloc.reset_peak()
            run()
        current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return current - base, peak - base


def test_thousands_of_steps_hold_no_graphs():
    held, peak = traced_growth(nn.squared_error, chunks=4, epochs=125)  # 2,000 steps
    assert held < 16_000  # one step's graph alone is about 4 kB
    assert peak < 250_000  # the last fit's 500 steps: its History, one graph at a time


def test_the_measure_sees_a_leak():
    kept = []

    def leaky_loss(y, d):
        E = nn.squared_error(y, d)
        kept.append(E)  # keeps every step's graph alive
        return E

    held, _ = traced_growth(leaky_loss, chunks=1, epochs=25)  # 100 steps
    assert held > 100 * 1_000
