"""autodiff.no_full_gc(): full collections deferred inside, the collector's state
restored exactly after (exceptions, a disabled collector, nesting, threads)."""

from __future__ import annotations

import gc
import threading

import pytest

from autodiff import Value, no_full_gc


def collector_state() -> tuple[bool, tuple[int, ...]]:
    return gc.isenabled(), gc.get_threshold()


@pytest.fixture(autouse=True)
def restore_collector():
    """Whatever a test does, the next one starts with the collector as it was."""
    state = collector_state()
    yield
    enabled, thresholds = state
    gc.set_threshold(*thresholds)
    (gc.enable if enabled else gc.disable)()
    assert collector_state() == state


def full_collections() -> int:
    return gc.get_stats()[2]["collections"]


def young_collections() -> int:
    return gc.get_stats()[0]["collections"]


def test_full_collections_are_deferred_and_young_ones_go_on():
    gc.set_threshold(100, 2, 1)  # a full collection after every other young one...
    gc.collect()
    n = len(gc.get_objects()) + 20_000  # ...once the survivors reach 1/4 of the heap
    before_full, before_young = full_collections(), young_collections()
    with no_full_gc():
        kept = [[] for _ in range(n)]  # tracked objects that survive
        assert full_collections() == before_full
        assert young_collections() > before_young
    assert len(kept) == n
    kept = [[] for _ in range(n)]  # after the scope, full collections are back
    assert full_collections() > before_full


def test_thresholds_restored_exactly_and_enabled_untouched():
    gc.set_threshold(500, 7, 13)
    with no_full_gc():
        assert gc.isenabled()
        assert gc.get_threshold()[:2] == (500, 7)
        assert gc.get_threshold()[2] > 10**9
    assert collector_state() == (True, (500, 7, 13))


def test_restored_after_an_exception():
    gc.set_threshold(600, 9, 11)
    with pytest.raises(ZeroDivisionError), no_full_gc():
        Value(1.0) / 0
    assert collector_state() == (True, (600, 9, 11))


def test_a_collector_the_user_disabled_stays_disabled():
    gc.disable()
    gc.set_threshold(700, 10, 10)
    with no_full_gc():
        assert not gc.isenabled()
    assert collector_state() == (False, (700, 10, 10))
    with pytest.raises(RuntimeError), no_full_gc():
        raise RuntimeError("boom")
    assert collector_state() == (False, (700, 10, 10))


def test_nested_scopes_restore_at_the_outermost_exit():
    gc.set_threshold(700, 10, 10)
    with no_full_gc():
        inside = gc.get_threshold()
        with no_full_gc():
            pass
        assert gc.get_threshold() == inside  # still deferred
    assert gc.get_threshold() == (700, 10, 10)


def test_thresholds_the_user_sets_inside_are_kept():
    gc.set_threshold(700, 10, 10)
    with no_full_gc():
        gc.set_threshold(300, 3, 3)
    assert gc.get_threshold() == (300, 3, 3)


def test_gradients_are_the_same_inside():
    def gradient() -> float:
        x = Value(0.3)
        y = x
        for _ in range(1000):
            y = (y * 1.001 + x).tanh()
        y.backward()
        return x.grad

    outside = gradient()
    with no_full_gc():
        assert gradient() == outside


def test_overlapping_scopes_in_two_threads():
    """A opens, B opens, A closes (still deferred for B), B closes (restored)."""
    gc.set_threshold(700, 10, 10)
    a_in, b_in, a_out = threading.Event(), threading.Event(), threading.Event()
    seen: dict[str, tuple[int, ...]] = {}

    def a() -> None:
        with no_full_gc():
            a_in.set()
            b_in.wait(5)
        a_out.set()

    def b() -> None:
        a_in.wait(5)
        with no_full_gc():
            b_in.set()
            a_out.wait(5)
            seen["b after a closed"] = gc.get_threshold()

    threads = [threading.Thread(target=a), threading.Thread(target=b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert seen["b after a closed"][2] > 10**9
    assert collector_state() == (True, (700, 10, 10))


def test_many_threads_with_exceptions_leave_the_state_as_it_was():
    gc.set_threshold(800, 8, 8)
    start = threading.Barrier(8)
    errors: list[BaseException] = []

    def work(k: int) -> None:
        start.wait(5)
        for i in range(200):
            try:
                with no_full_gc():
                    if (i + k) % 3 == 0:
                        raise ValueError(i)
            except ValueError:
                pass
            except BaseException as e:  # pragma: no cover - reported below
                errors.append(e)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not errors
    assert collector_state() == (True, (800, 8, 8))
