"""nn.record in threads: each thread's recording holds its own forward calls only.

The threads run in a subprocess: until `autodiff.scope` is per-thread (issue 10),
two threads inside scopes at once can leave the process-wide scope changed, and
that must not leak into the other tests.
"""

import subprocess
import sys

SCRIPT = r'''
import sys, threading
import nn

sys.setswitchinterval(1e-6)  # switch threads as often as possible
shared = nn.MLP(2, [3, 2], "tanh", seed=0)
other = nn.MLP(2, [3, 2], "tanh", seed=1)
CALLS = {"a": 40, "b": 70, "c": 55}
INPUTS = {"a": [0.1, 0.2], "b": [-1.0, 0.5], "c": [2.0, -0.3]}
MODELS = {"a": shared, "b": shared, "c": other}
barrier = threading.Barrier(len(CALLS))
records = {}


def work(name):
    model, x = MODELS[name], INPUTS[name]
    with nn.record(model) as rec:
        barrier.wait()
        for _ in range(CALLS[name]):
            model(x)
            with nn.record(model) as inner:  # nested recordings in a thread stay its own too
                model(x)
            assert [len(layer) for layer in inner.u] == [1, 1], name
    records[name] = rec


threads = [threading.Thread(target=work, args=(name,)) for name in CALLS]
for t in threads:
    t.start()
for t in threads:
    t.join()
for name, rec in records.items():
    alone = [v.data for v in MODELS[name](INPUTS[name])]
    assert [len(layer) for layer in rec.u] == [2 * CALLS[name]] * 2, (name, rec)
    assert all([z.data for z in sample] == alone for sample in rec.z[1]), name
with nn.record(shared) as rec:
    pass
assert rec.u == [[], []]  # nothing left active from the threads
print("ok", sorted(records))
'''


def test_two_threads_recording_at_once_each_get_their_own_recording():
    result = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok ['a', 'b', 'c']"
