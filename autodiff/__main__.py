"""`python -m autodiff`: the seed notes' neuron, E = (σ(w·x + b) − d)²/2, with
every intermediate value and gradient (the command-line tool replaces this)."""

from autodiff import Value, topological_order


def neuron_example() -> None:
    w, x, b, d = Value(0.5, "w"), Value(1.0, "x"), Value(0.0, "b"), Value(1.0, "d")
    t1 = w * x
    t1.label = "t1 = w·x"
    z = t1 + b
    z.label = "z = t1 + b"
    y = z.sigmoid()
    y.label = "y = σ(z)"
    t2 = y - d
    t2.label = "t2 = y − d"
    t3 = t2**2
    t3.label = "t3 = t2²"
    E = t3 / 2
    E.label = "E = t3 / 2"
    E.backward()
    print("E = (σ(w·x + b) − d)² / 2 at w = 0.5, x = 1, b = 0, d = 1\n")
    print(f"{'node':<14} {'value':>12} {'∂E/∂node':>12}")
    for v in topological_order(E):
        if v.label:
            print(f"{v.label:<14} {v.data:>12.6f} {v.grad:>12.6f}")


if __name__ == "__main__":
    neuron_example()
