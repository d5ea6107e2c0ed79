"""Derivatives as functions' results: the functional API, named as in JAX.

    jvp(f, primals, tangents)         (value, J·u)           one forward sweep
    linearize(f, primals)             (value, u ↦ J·u)       record once, push many tangents
    vjp(f, primals)                   (value, v ↦ vᵀJ)       record once, pull many cotangents
    value_and_grad(f, argnums=0)      g with g(*args) = (f(*args), ∇f)
    jacobian(f, inputs, mode="rev")   J by rows (m reverse sweeps) or columns (n forward sweeps)
    hessian(f, inputs)                H, forward over reverse
    hvp(f, inputs, v)                 H·v without forming H

For f: Rⁿ → Rᵐ, a Jacobian-vector product J·u costs one forward (tangent)
sweep and a vector-Jacobian product vᵀJ one reverse sweep, so the whole
Jacobian costs n forward or m reverse sweeps: reverse mode wins for a loss
(m = 1), forward mode for few inputs and many outputs. Forward mode is
`autodiff.calculus.forward` (a tangent sweep over the recorded graph); reverse mode is
the engine's own sweep, so `vjp` and `jacobian(mode="rev")` give exactly the
numbers of `backward()` and `grad()`. The two modes multiply the same local
derivatives in a different order, so they agree to rounding (about 1e-16
relative, at most ~L·ε_c·|J|·|u| for L operations).

Inputs are given in two of the forms `gradcheck` takes (not its named pairs):

* numbers: f(*values) is called with fresh leaf Values made from them, and
  returns a Value or a list/tuple of Values (several outputs);
* Values, leaves such as a model's parameters: f() takes no arguments and
  computes from them: `jacobian(lambda: model(x), model.parameters())`.

Values and derivatives come back as floats: one for a single output, lists for
several (a Jacobian is a list of rows ∂out_i/∂x_j). `jvp(..., create_graph=True)`
returns Values instead, to differentiate again. None of these changes any
`.grad` or `.data`.

Bad input is refused before f runs where it can be (a tangent per primal, a
cotangent per output), and after it otherwise: f returning something other than
a Value or a list of Values, or a result that does not depend on any input
through the graph (what f computing with `.data` or `float()` produces; a
function that reads `.data` for part of its work cannot be told from a correct
one without evaluating it twice: `gradcheck` does that).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from numbers import Real
from typing import Any, NoReturn

from autodiff.calculus.forward import Linearization, number, tangent_graphs, vector
from autodiff.calculus.functional import grad, graph_gradients
from autodiff.core import Value, reverse_sweep, topological_order

__all__ = ["hessian", "hvp", "jacobian", "jvp", "linearize", "value_and_grad", "vjp"]

Inputs = Sequence[float] | Sequence[Value]


@dataclass(frozen=True)
class _Recording:
    """f evaluated on Values: its input leaves and its outputs (`several`: f
    returned a list or tuple, so results are lists)."""

    leaves: list[Value]
    outputs: list[Value]
    several: bool

    def shaped(self, items: list[Any]) -> Any:
        return list(items) if self.several else items[0]


def _record(f: Callable[..., Any], primals: object, who: str, *, check: bool = True
            ) -> _Recording:
    """f evaluated on its input leaves; with `check`, the result must depend on
    one of them (without, the caller checks, as `_linearized` does)."""
    if not callable(f):
        raise TypeError(f"{who}() needs a callable f, got {type(f).__name__}")
    leaves, given = _leaves(primals, who)
    if given:
        _takes_no_arguments(f, who)
    result = f() if given else f(*leaves)
    outputs, several = _outputs(result, who)
    if check:
        reached = set(topological_order(outputs))
        if not any(x in reached for x in leaves):
            _independent(who)
    return _Recording(leaves, outputs, several)


def _independent(who: str) -> NoReturn:
    raise ValueError(f"{who}(): f's result does not depend on its inputs through the graph, "
                     "so every derivative would be 0: did f compute with .data or "
                     "float() instead of the Values?")


def _linearized(f: Callable[..., Any], primals: object, who: str
                ) -> tuple[_Recording, Linearization]:
    rec = _record(f, primals, who, check=False)
    lin = Linearization(rec.outputs, rec.leaves)
    if not lin.depends:
        _independent(who)
    return rec, lin


def _leaves(given: object, who: str) -> tuple[list[Value], bool]:
    """The input leaves (fresh ones for numbers), and whether they were given as Values."""
    primals = _sequence(given, who)
    if not primals:
        raise ValueError(f"{who}() needs at least one input")
    if all(isinstance(x, Value) for x in primals):
        seen: dict[Value, int] = {}
        for i, x in enumerate(primals):
            if x.primitive is not None:
                raise ValueError(f"{who}(): inputs[{i}] is the result of {x.op!r}, not a leaf; "
                                 "inputs given as Values must be leaves (a model's parameters)")
            if x in seen:
                raise ValueError(f"{who}(): inputs[{i}] is the same Value as inputs[{seen[x]}]")
            seen[x] = i
        return list(primals), True
    return [Value(x) for x in vector(primals, len(primals), "inputs", "inputs")], False


def _takes_no_arguments(f: Callable[..., Any], who: str) -> None:
    try:
        params = inspect.signature(f).parameters.values()
    except (TypeError, ValueError):
        return
    if any(p.default is p.empty and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
           for p in params):
        raise TypeError(f"{who}(): with Values as inputs f takes no arguments and computes from "
                        "those Values (as gradcheck's f does); pass numbers to have f called "
                        "with fresh Values")


def _outputs(result: object, who: str) -> tuple[list[Value], bool]:
    hint = "(did it use .data or float() on its result?)"
    if isinstance(result, Value):
        return [result], False
    if isinstance(result, list | tuple) and result:
        for i, r in enumerate(result):
            if not isinstance(r, Value):
                raise TypeError(f"{who}(): f must return a Value or a list of Values; item {i} "
                                f"is {type(r).__name__}: {r!r} {hint}")
        return list(result), True
    raise TypeError(f"{who}(): f must return a Value or a non-empty list of Values, got "
                    f"{type(result).__name__}: {result!r} {hint}")


# -- forward mode ------------------------------------------------------------------


def jvp(f: Callable[..., Any], primals: Inputs, tangents: Sequence[float], *,
        create_graph: bool = False) -> tuple[Any, Any]:
    """(f's value, J·u): the derivative of f at `primals` along the direction
    u = `tangents` (one number per primal), by one forward sweep.

        >>> jvp(lambda x, y: x * y + x.sin(), [2.0, 5.0], [1.0, 0.0])[1]   # ∂/∂x = y + cos x
        4.583853163452858

    With `create_graph=True` both come back as Values (the output node and
    tangent graphs), so J·u can be differentiated again.
    """
    u = vector(tangents, len(_sequence(primals, "jvp")), "tangents", "primals")
    if create_graph:
        rec = _record(f, primals, "jvp")
        return (rec.shaped(rec.outputs),
                rec.shaped(tangent_graphs(rec.outputs, dict(zip(rec.leaves, u, strict=True)))))
    rec, lin = _linearized(f, primals, "jvp")
    return rec.shaped([o.data for o in rec.outputs]), rec.shaped(lin(u))


def linearize(f: Callable[..., Any], primals: Inputs) -> tuple[Any, Callable[..., Any]]:
    """(f's value, u ↦ J·u): f recorded and its local derivatives evaluated once;
    each call of the returned function is one cheap forward sweep."""
    rec, lin = _linearized(f, primals, "linearize")

    def pushforward(tangents: Sequence[float]) -> Any:
        """J·u for u = `tangents`, one number per primal."""
        return rec.shaped(lin(vector(tangents, lin.n_inputs, "tangents", "primals")))

    return rec.shaped([o.data for o in rec.outputs]), pushforward


def _sequence(primals: object, who: str) -> Sequence[Any]:
    """The inputs as given, if they are a sequence (of numbers or of Values)."""
    if isinstance(primals, Value | str) or not isinstance(primals, Sequence):
        raise TypeError(f"{who}() needs a list of numbers or of Values as inputs, got "
                        f"{type(primals).__name__}")
    return primals


# -- reverse mode ------------------------------------------------------------------


def vjp(f: Callable[..., Any], primals: Inputs) -> tuple[Any, Callable[..., list[float]]]:
    """(f's value, v ↦ vᵀJ): f recorded once; each call of the returned pullback
    is one reverse sweep over that graph (the sweep of `backward()`).

    The pullback takes a number for a single-output f, a list of one number
    per output otherwise, and returns a list of one number per primal:

        >>> value, pullback = vjp(lambda x, y: [x * y, x + y], [2.0, 5.0])
        >>> pullback([1.0, 0.0]), pullback([0.0, 1.0])     # the rows of J
        ([5.0, 2.0], [1.0, 1.0])
    """
    rec = _record(f, primals, "vjp")

    def pullback(cotangent: float | Sequence[float]) -> list[float]:
        """vᵀJ for v = `cotangent`: one number per primal."""
        if rec.several:
            v = vector(cotangent, len(rec.outputs), "cotangents", "outputs")
        else:
            (v0,) = vector([cotangent] if isinstance(cotangent, Real) else cotangent, 1,
                           "cotangent", "outputs")
            v = [v0]
        gradients = reverse_sweep(rec.outputs, v)
        return [gradients.get(x, 0.0) for x in rec.leaves]

    return rec.shaped([o.data for o in rec.outputs]), pullback


def value_and_grad(f: Callable[..., Value], argnums: int | Sequence[int] = 0
                   ) -> Callable[..., tuple[float, Any]]:
    """g with g(*args) = (f(*args), the gradient of f by its arguments `argnums`),
    by one reverse sweep.

    An argument that is a number reaches f as a fresh Value, and a list of
    numbers as a list of Values (leaf Values are passed as they are), whether it
    is differentiated or not, so f computes the same way whatever `argnums`;
    other arguments are passed unchanged. The gradient of an argument has its
    shape (a number, or a list), and a tuple `argnums` gives a tuple of them. f
    must return one Value.

        >>> value_and_grad(lambda x, y: x * y.exp(), argnums=(0, 1))(2.0, 0.0)
        (2.0, (1.0, 2.0))
    """
    if not callable(f):
        raise TypeError(f"value_and_grad() needs a callable f, got {type(f).__name__}")
    several = not isinstance(argnums, int)
    positions = _argnums(argnums)

    def value_and_grad_f(*args: Any) -> tuple[float, Any]:
        for k in positions:
            if k >= len(args):
                raise TypeError(f"value_and_grad(): argnums has {k}, but f was given "
                                f"{len(args)} argument{'s' * (len(args) != 1)}")
        wrapped = [_differentiable(a, k) if k in positions or _numeric(a) else a
                   for k, a in enumerate(args)]
        out = f(*wrapped)
        if not isinstance(out, Value):
            raise TypeError(f"value_and_grad(): f must return one Value, got "
                            f"{type(out).__name__}: {out!r} (did it use .data or float()?)")
        leaves = [x for k in positions for x in _flat(wrapped[k])]
        if len(set(leaves)) != len(leaves):
            raise ValueError("value_and_grad(): the same Value is given twice as an argument")
        gradients = reverse_sweep(out)
        others = [x for k, a in enumerate(wrapped) if k not in positions and _numeric(a)
                  for x in _flat(a)]
        if not any(x in gradients for x in [*leaves, *others]):
            raise ValueError("value_and_grad(): f's result does not depend on its arguments "
                             "through the graph: did f compute with .data or float()?")
        grads = tuple(_shaped_like(wrapped[k], gradients) for k in positions)
        return out.data, grads if several else grads[0]

    return value_and_grad_f


def _argnums(argnums: object) -> tuple[int, ...]:
    items = (argnums,) if isinstance(argnums, int) else argnums
    if not isinstance(items, tuple | list) or not items or not all(
            isinstance(k, int) and not isinstance(k, bool) and k >= 0 for k in items):
        raise TypeError(f"argnums must be an int ≥ 0 or a non-empty tuple of them, got "
                        f"{argnums!r}")
    if len(set(items)) != len(items):
        raise ValueError(f"argnums repeats a position: {argnums!r}")
    return tuple(items)


def _differentiable(arg: object, k: int) -> Value | list[Value]:
    """A differentiated argument as f gets it: a leaf Value, or a list of them."""
    if isinstance(arg, list | tuple):
        if not arg:
            raise ValueError(f"value_and_grad(): argument {k} is an empty list")
        return [_leaf(x, f"argument {k}, item {i},") for i, x in enumerate(arg)]
    return _leaf(arg, f"argument {k}")


def _leaf(x: object, what: str) -> Value:
    if isinstance(x, Value):
        if x.primitive is not None:
            raise ValueError(f"value_and_grad(): {what} is the result of {x.op!r}; pass a "
                             "number or a leaf Value")
        return x
    return Value(number(x, f"value_and_grad(): {what}"))


def _numeric(arg: object) -> bool:
    """A number, a Value, or a non-empty list of them: what f gets as Values."""
    def one(x: object) -> bool:
        return isinstance(x, Value) or (isinstance(x, Real) and not isinstance(x, bool))
    return one(arg) or (isinstance(arg, list | tuple) and bool(arg) and all(map(one, arg)))


def _flat(arg: Value | list[Value]) -> list[Value]:
    return [arg] if isinstance(arg, Value) else arg


def _shaped_like(arg: Value | list[Value], gradients: dict[Value, float]) -> Any:
    if isinstance(arg, Value):
        return gradients.get(arg, 0.0)
    return [gradients.get(x, 0.0) for x in arg]


# -- Jacobians and Hessians ------------------------------------------------------------


def jacobian(f: Callable[..., Any], inputs: Inputs, *, mode: str = "rev") -> Any:
    """∂out_i/∂x_j: a list of rows for several outputs, the gradient (one list)
    for one.

    `mode="rev"`: one reverse sweep per output (m sweeps, each the sweep of
    `grad()`, so the numbers are exactly grad's); `mode="fwd"`: f linearized
    once and one forward sweep per input (n sweeps). Choose "fwd" when f has
    fewer inputs than outputs.
    """
    if mode not in ("rev", "fwd"):
        raise ValueError(f"jacobian(): mode must be 'rev' or 'fwd', got {mode!r}")
    if mode == "rev":
        rec = _record(f, inputs, "jacobian")
        return rec.shaped([grad(out, rec.leaves) for out in rec.outputs])
    rec, lin = _linearized(f, inputs, "jacobian")
    return rec.shaped(_by_columns(lin))


def _by_columns(lin: Linearization) -> list[list[float]]:
    """The matrix of `lin` (rows: outputs), column j from one forward sweep along e_j."""
    n = lin.n_inputs
    columns = [lin([1.0 if i == j else 0.0 for i in range(n)]) for j in range(n)]
    return [list(row) for row in zip(*columns, strict=True)]


def _gradient_graph(f: Callable[..., Any], inputs: Inputs, who: str
                    ) -> tuple[_Recording, list[Value]]:
    rec = _record(f, inputs, who)
    if rec.several:
        raise TypeError(f"{who}() needs f with one output (a Value), got a list of "
                        f"{len(rec.outputs)}")
    return rec, graph_gradients(rec.outputs[0], rec.leaves)


def hessian(f: Callable[..., Value], inputs: Inputs) -> list[list[float]]:
    """The matrix of second derivatives H[i][j] = ∂²f/∂x_i∂x_j, forward over
    reverse: ∇f recorded once as graphs (`grad(create_graph=True)`), then
    linearized, and column j is one forward sweep along e_j. In exact arithmetic
    H is symmetric; the computed one is symmetric to rounding."""
    rec, gradient = _gradient_graph(f, inputs, "hessian")
    return _by_columns(Linearization(gradient, rec.leaves))


def hvp(f: Callable[..., Value], inputs: Inputs, v: Sequence[float]) -> list[float]:
    """H·v, the Hessian of f times the vector v (one number per input), without
    forming H: ∇f recorded as graphs (reverse mode, `create_graph=True`), then
    one forward sweep of those graphs along v (forward over reverse, Pearlmutter's
    trick). Costs a few evaluations of f, whatever the number of inputs."""
    u = vector(v, len(_sequence(inputs, "hvp")), "v", "inputs")
    rec, gradient = _gradient_graph(f, inputs, "hvp")
    return Linearization(gradient, rec.leaves)(u)
