"""The words the library says to its reader, in English and in Japanese.

One catalogue per language (`CATALOGUES["en"]`, `CATALOGUES["ja"]`), the same
keys in both, each text a `str.format` template whose placeholders are the
same in both (tests/autodiff/notation/test_messages.py fails otherwise).
`say(lang, key, **fields)` is the text; `check_lang(lang)` the clear error for a
language there is none of.

Where the words are used: the Stepper's captions, step texts and
explanations (`autodiff.stepping`, `autodiff.stepping.explaining`), the player's and
the widget's controls, the diagrams' words and key (`autodiff.drawing`), the
exercise (`autodiff.stepping.exercise`), the command line (`python -m autodiff --lang
ja`) and the gradcheck report. The notation is docs/explanation/notation.md's: u a unit's
total input, z its output, δ = ∂E/∂u; the Japanese words are the lecture notes' own
(誤差逆伝播, 勾配, 偏微分, 連鎖律, 総入力).
"""

from __future__ import annotations

import string
from collections.abc import Callable, Mapping, Sequence

LANGUAGES = ("en", "ja")
"""The languages there is a catalogue of: English (the default) and Japanese."""

EN: dict[str, str] = {
    # -- steps (autodiff.stepping): the arithmetic, one line per update --
    "step.input": "{name} = {value}  (input)",
    "step.seed": "∂{root}/∂{root} = 1  (seed)",
    "step.at": "at {name} = {expression}, {gradient} = {value}:",
    "step.no_tangent": "  (depends on no input with a tangent)",
    "pass.forward": "forward pass",
    "pass.backward": "backward pass",
    "caption": "step {k} of {n} · {kind}",
    # -- explanations (autodiff.stepping.explaining): what a teacher says at each step --
    "explain.input": "{name} is an input: its value is given.",
    "explain.forward": "The forward pass computes {name} from values already known.",
    "explain.seed": ("The backward pass starts at the output: ∂{root}/∂{root} = 1, since "
                     "{root} changes exactly as much as itself."),
    "explain.meaning": ("{gradient} = {value}: when {name} changes a little, {root} changes "
                        "about {value} times as much."),
    "explain.sum": ("{name} is used by {count} operations, so its gradient is the sum of what "
                    "each passed back: {sum}, the Σ of the δ recursion."),
    "explain.chain": ("Chain rule: each input a of {name} gets ∂{root}/∂a = ∂{name}/∂a × "
                      "{gradient} (the lines above)."),
    "explain.partial": "  ({name} is used by {count} operations: {sum}; so far {total})",
    "explain.complete": ("  ({name} is used by {count} operations: {sum} = {total}, complete: "
                         "the Σ of the δ recursion)"),
    "explain.leaf": "{name} is an input: nothing to pass on; its gradient is final.",
    "explain.tangent": ("Forward mode: the tangent of {name} is the sum over its inputs of "
                        "the local partial derivative times the input's tangent, {value}."),
    # -- summary (print(stepper)) --
    "summary.head": "Stepper of {root}: {n} steps ({forward} forward, {backward} backward)",
    "summary.head_forward": "Stepper of {root} in forward mode: {n} steps",
    "summary.more": "… and {count} more steps (stepper[k] shows step k)",
    # -- controls (autodiff.stepping.player, autodiff.stepping.widget) --
    "control.play": "▶ play",
    "control.pause": "❚❚ pause",
    "control.previous": "◀ previous",
    "control.next": "next ▶",
    "control.whole": "⤢ whole graph",
    "control.full_size": "full size",
    "control.full_size_tip": "the picture at full size, scrolling",
    "control.follow": "◎ follow the step",
    "control.step": "step",
    "control.keys": "keys: ← → step, space play, z whole graph, + − size",
    "control.view_tip": "click or z: the whole graph, or follow the step",
    "control.all_steps": "all {n} steps",
    "player.title": "Backpropagation step by step: {root}",
    "legend.current": "the step's node",
    "legend.receivers": "its inputs, whose gradients the backward step changes",
    # -- the diagrams' words (autodiff.drawing) --
    "tooltip.value_of": "the value of {op}",
    "tooltip.leaf": "a leaf",
    "tooltip.where": "{name} in {where}",
    "tooltip.operation": "operation {op}",
    "tooltip.number": "the number {number}",
    "tooltip.input": "network input {name}",
    "format.missing": "{path}: the extension names the format; use .svg, .png or .pdf (or .tex "
                      "for TikZ)",
    "format.unknown": ("{path}: Graphviz here cannot write .{fmt}; use .svg, .png or .pdf (or "
                       ".tex for TikZ; it also writes {others})"),
    "group.nodes": "{members} nodes",
    "group.separator": ", ",
    "group.more_out": " · {count} more out",
    "group.click": "{title}: {members} nodes, click to expand",
    "group.collapsed": "{title}: {members} nodes, collapsed",
    "explorer.collapsed": "every group collapsed: click a box to expand it ({count} nodes in all)",
    "explorer.expanded": "{title} expanded: click its frame (or fold) to fold it back",
    "explorer.still": ("every group collapsed: trust the notebook (or run the cell, or open the "
                       "page saved with .save_as('graph.html')) to expand a group with a click"),
    "explorer.fold": "fold",
    "diagram.data": "data",
    "diagram.grad": "grad",
    "diagram.value": "value",
    "diagram.gradient": "gradient",
    "diagram.node": "node",
    "diagram.of each node": "of each node",
    "diagram.delta at u": "δ at u",
    "diagram.parameter": "parameter",
    "diagram.leaf": "leaf",
    "diagram.input": "network input",
    "diagram.output": "output",
    "diagram.tangent": "tangent",
    "diagram.layer": "layer {number}",
    "diagram.unit": "unit {number}",
    # -- the network view (nn.draw): its key, and the circle of a linear unit --
    "network.width": "(width: |w|)",
    "network.value": "value of a unit",
    "network.on_edges": "on the edges",
    "network.bias": "bias",
    "network.identity": "identity",
    # -- the exercise (autodiff.stepping.exercise) --
    "exercise.title": "Exercise: backpropagation by hand, {root}",
    "exercise.instructions": ("Fill in each blank in the order of the steps. An answer is "
                              "right when it is within a relative error of {tolerance} of the "
                              "exact number (or within {tolerance} of 0). Press Enter to check."),
    "exercise.blank_value": "the value of {name}",
    "exercise.check": "check",
    "exercise.show": "show the answer",
    "exercise.right": "Right: {answer}.",
    "exercise.wrong": "Not yet: {entered} is not {what}. Hint: {hint}",
    "exercise.not_number": "“{entered}” is not a number: type a number such as 0.25 or -1.5e-3.",
    "exercise.shown": "The answer: {worked}",
    "exercise.score": "Done: {right} of {total} right at the first try ({shown} shown).",
    "exercise.progress": "blank {k} of {n}",
    "exercise.hint_value": "{name} = {expression} with the values known so far: {worked}",
    "exercise.hint_gradient": ("by the chain rule, {gradient} = {terms}; with the numbers known "
                               "so far: {numbers}"),
    "exercise.sheet_title": "Exercise sheet: {root}",
    "exercise.sheet_blank": "blank",
    "exercise.sheet_instructions": ("Work out each blank [1], [2], … in the graph, in this order, "
                                    "and write it in the table with your working. Answers within "
                                    "a relative error of {tolerance} count as right."),
    "exercise.sheet_answer": "answer",
    "exercise.sheet_key": "Answer key",
    "exercise.sheet_working": "working",
    "exercise.sheet_name": "Name: ____________________",
    "exercise.next": "next blank ▶",
    # -- the command line (autodiff.cli) --
    "cli.neuron": "E = (σ(w·x + b) − d)² / 2 at {values}",
    "cli.node": "node",
    "cli.value": "value",
    "cli.wrote": "wrote {path}",
    "cli.output": "-o {reason}",
    "cli.error": "error: {message}",
    "cli.expression": "expression",
    "cli.no_value": "no value for {name!r}: add it to --at{hint}",
    "cli.no_directory": "-o {path}: no directory {directory!r}",
    "cli.default_limit": "the {limit} that -o draws by default",
    "cli.too_big": ("-o: the graph has {size} nodes, more than {allowed}; pass --max-nodes "
                    "{size} to draw it anyway (Graphviz may take long), or leave out -o"),
    "cli.names_input": ("{output} = {name} names the input {name} itself: write {name} alone, "
                        "or an expression of it"),
    "cli.strays_quote": ("unexpected {strays} after the expression {expression!r}: the shell "
                         "splits an expression at its spaces; quote it whole, \"{joined}\""),
    "cli.or_as": " (or as {values})",
    "cli.give_values": ("give the names' values as --at {values}{also}, and quote an expression "
                        "that has spaces"),
    "cli.values_given": ("the expression's names have their values; quote an expression that "
                         "has spaces"),
    "cli.strays": "unexpected {strays} after the expression {expression!r}: {how}",
    "cli.max_nodes": "--max-nodes must be at least 1, got {got}",
    "cli.constant_spelt": " (the constant is spelt {constant})",
    "cli.given_twice": "{name} is given twice",
    "cli.expected_assignment": "expected name=number, got {part!r}",
    "cli.unused": "{name} = {value} is given, but the expression has no name {name!r}",
    "cli.demo_wrote": "files to look at, in {directory}:",
    "cli.demo_diagram": "  the neuron's diagram:       {path}",
    "cli.demo_player": "  its backpropagation player: {path}",
    "cli.demo_exercise": "  an exercise on it:          {path}",
    "cli.demo_sheet": "  the exercise, printable:    {path}",
    # -- the command line's help and argparse's own messages, in --lang's language --
    "cli.usage": "usage: ",
    "cli.positionals": "positional arguments",
    "cli.options": "options",
    "cli.see_help": "{message} (python -m autodiff --help)",
    "cli.argument": "argument {argument}: {message}",
    "cli.expected_one": "expected one argument",
    "cli.invalid_value": "invalid {type} value: {value}",
    "cli.invalid_choice": "invalid choice: {value} (choose from {choices})",
    "cli.ignored_value": "ignored explicit argument {value}",
    "cli.unrecognized": "unrecognized arguments: {arguments}",
    "cli.help.description": ("Evaluate an expression, print every gradient, draw the graph. "
                             "With no expression: the neuron E = (σ(u) − d)²/2 "
                             "(docs/explanation/notation.md) with the total input "
                             "u = w·x + b and the output z = σ(u)."),
    "cli.help.expression": ("e.g. 'sigmoid(w*x + b)' or 'E = (sigmoid(w*x + b) - d)**2/2' "
                            "(naming the output E): numbers, names, the constants pi and e, "
                            "+ - * / **, parentheses, and the functions of autodiff.primitives "
                            "(exp, log or ln, sin, max, ...); the first argument that is not an "
                            "option or name=number, even '-x*y' (or the argument after --)"),
    "cli.help.values": "values of the names, as --at gives them: x=1 w=2 b=-1",
    "cli.help.help": "show this help message and exit",
    "cli.help.import": ("import this Python module first, so that the primitives it defines "
                        "with autodiff.primitive can be used (repeatable)"),
    "cli.help.at": ("values of the names, e.g. w=0.5,x=1,b=0 or w=0.5、x=1、b=0 (repeatable); "
                    "a value given for pi or e makes it a variable"),
    "cli.help.output": "write the diagram (format from the extension)",
    "cli.help.max_nodes": "draw with -o a graph of up to N nodes (default: draw()'s max_nodes)",
    "cli.help.steps": "print the forward and backward passes step by step",
    "cli.help.lang": "the language of the output: en (English) or ja (Japanese)",
    "cli.help.demo_files": ("with no expression: also write the neuron's diagram, its stepping "
                            "player and an exercise (and its printable sheet) to files and print "
                            "their paths (./run demo does)"),
    "cli.help.demo_dir": ("the folder of --demo-files (default: a new folder autodiff-demo in "
                          "the current directory)"),
    # -- the expression language (autodiff.notation.expression): what is wrong, what to write --
    "expr.or": " or ",
    "expr.bad_number": ("bad number {text!r}: write digits with an optional sign, point and "
                        "exponent, e.g. 2, -0.5, 1e-3"),
    "expr.bad_number_for": ("bad number {text!r} for {name}: write digits with an optional "
                            "sign, point and exponent, e.g. 2, -0.5, 1e-3"),
    "expr.too_large": "number {text} is too large for a float",
    "expr.too_long": "expression longer than {limit} characters",
    "expr.write_instead": "; write {spelling} instead",
    "expr.ascii_digit": "; write the ASCII digit {digit}",
    "expr.unexpected_character": "unexpected character {char!r}{hint}",
    "expr.unexpected_letter": "unexpected character {char!r}; {reason}",
    "expr.not_a_name": "{word!r} is not a name: names are ASCII letters, digits and _; {instead}",
    "expr.write_name": "write {name}",
    "expr.romanise": "write it romanised (rōmaji) or as a letter",
    "expr.could_be": "function {name!r} could be {meant}: write one of them as it is spelt",
    "expr.did_you_mean": "did you mean {close}? ",
    "expr.unknown_function": "unknown function {name!r}; {hint}known: {known}",
    "expr.after_complete": "unexpected {token!r} after a complete expression{hint}",
    "expr.expected": "expected {expected!r}, found {found}{hint}",
    "expr.the_end": "the end",
    "expr.the_end_of_expression": "the end of the expression",
    "expr.product": "; write {product} for a product",
    "expr.nested": "expression nested deeper than {limit}",
    "expr.operands": "{name} takes {arity} operands, got {count}",
    "expr.one_operand": "{name} takes {arity} operand, got {count}",
    "expr.is_function": "{name} is a function: write {name}(...)",
    "expr.expected_operand": "expected a number, a name or '(', found {found}",
    "expr.named_by_parse_definition": "; an output is named by parse_definition (E = ...)",
    "expr.one_equals": "; one = only, after the output's name: E = ...",
    "expr.only_name_before": "; only the output's name goes before = (E = ...)",
    "expr.output_is_function": "{name} is a function: name the output otherwise",
    "expr.output_is_input": ("the output's name {name} is also an input of the expression: "
                             "name the output otherwise"),
    "expr.no_value": "no value for variable {name!r}",
    # -- gradcheck (autodiff.checking) --
    "check.unreachable": ("{label} does not reach f's output through the graph: did f use "
                          "its .data (or float()) instead of the Value?"),
    "check.modes_differ": ("forward mode gives {forward}, reverse mode {reverse}: they differ "
                           "by {gap}, more than the rounding bound {bound}"),
    "check.fails_near": "f fails near {label} = {value} (step {step}): {error}",
    "check.head": "gradcheck ({method} differences{checked}): {parts}",
    "check.failed": "FAILED for {failing} of {n} derivatives",
    "check.all_agree": "all {n} derivatives agree",
    "check.one_agrees": "the derivative agrees",
    "check.some_agree": "{agreeing} of {n} derivatives agree",
    "check.subgradients": "{count} at a kink as a valid subgradient",
    "check.kinks": "{count} derivatives not checked: f is not differentiable here",
    "check.columns": "derivative|value|analytic|numeric|abs error|rel error|verdict",
    "check.more_rows": "... and {count} more rows (result.table() shows every row)",
    "check.one_more_row": "... and 1 more row (result.table() shows every row)",
    "check.one_failed": "FAILED for 1 of 1 derivative",
    "check.one_kink": "1 derivative not checked: f is not differentiable here",
    "check.mode": "modes {mode}",
    "check.both_modes": "modes rev and fwd",
    "check.orders": "orders 1 to {order}",
    "check.directions": "along {count} random directions",
    "check.one_direction": "along 1 random direction",
    "check.fallback": ("The check along random directions failed, so the per-input rows of "
                       "orders 1 to {order} follow; they name the worst input."),
    "check.fallback_one": ("The check along random directions failed, so the per-input rows "
                           "of order 1 follow; they name the worst input."),
    "check.second_order": "{method}, second order",
    "check.sides": "left {left}, right {right}",
    "check.verdict_ok": "ok",
    "check.verdict_kink": "not differentiable at or near here ({sides}): a valid subgradient",
    "check.verdict_subgradient": "ok: a valid subgradient at a kink ({sides})",
    "check.verdict_error": "error: {note}",
    "check.verdict_fail": "FAIL (tolerance {tolerance}{uncertainty}{kink})",
    "check.uncertainty": ", FD uncertainty {uncertainty}",
    "check.not_subgradient": "; a kink ({sides}) and not a subgradient",
    "check.why_columns": "partial|likely bug|evidence",
    "check.elsewhere": ("Each of the {checked} operations of f's graph agrees with finite "
                        "differences of its own primitive at the point, so the fault is "
                        "elsewhere: f reads .data (or float()) of a Value, or a step of the "
                        "sweep is wrong."),
    "check.elsewhere_unchecked": ("None of the {checked} operations of f's graph disagrees with "
                                  "finite differences of its own primitive at the point, but "
                                  "{unchecked} could not be checked there (at or too near a "
                                  "kink, a pole or the domain's edge); otherwise f reads .data "
                                  "(or float()) of a Value, or a step of the sweep is wrong."),
    "check.wrong_primitive": ("The primitive {primitive} is wrong: its partials disagree with "
                              "finite differences of its forward at {at}{node}:"),
    "check.at_node": " (node {label!r})",
    "check.modes_partial": "  {derivative}: {name}: {evidence}",
    "check.wrong_partial": ("  {derivative} is {analytic} by partials but {numeric} "
                            "numerically. Likely bug: {name}: {evidence}"),
    "check.judged_wrong": ("finite-difference uncertainty {uncertainty}, discrepancy "
                           "{discrepancy}: the analytic derivative is wrong"),
    "check.judged_probably_wrong": ("finite-difference uncertainty {uncertainty}, discrepancy "
                                    "{discrepancy}: the analytic derivative is probably wrong, "
                                    "but the discrepancy is only {ratio} times the uncertainty "
                                    "(try method='five-point' or another eps)"),
    "check.worst": ("{derivative} at {label} = {value}: analytic {analytic}, numeric {numeric}, "
                    "abs error {abs_error}, rel error {rel_error} > tolerance {tolerance}"),
    "check.worst_kink": (" (f is not differentiable at or within ε of here: left {left}, "
                         "right {right}, and the analytic value lies outside them: not a valid "
                         "subgradient)"),
    "check.failure": "gradient check failed: worst is {head}",
    # -- the likely bugs a diagnosis names (autodiff.checking.diagnosis) --
    "diagnosis.float and Value modes disagree": "float and Value modes disagree",
    "diagnosis.sign flipped": "sign flipped",
    "diagnosis.constant factor": "constant factor",
    "diagnosis.chain rule missing a factor": "chain rule missing a factor",
    "diagnosis.operands swapped": "operands swapped",
    "diagnosis.evaluated at the output": "evaluated at the output",
    "diagnosis.evaluated at the input": "evaluated at the input",
    "diagnosis.right at one point only": "right at one point only",
    "diagnosis.right at some points only": "right at some points only",
    "diagnosis.no pattern": "no pattern",
    # -- a diagnosis's evidence: the numbers that show the likely bug --
    "evidence.note": ("{derivative} by partials: {analytic}\nnumerically: {numeric}\n"
                      "likely bug: {name}"),
    "evidence.separator": "; ",
    "evidence.pair": "at {where}: {analytic} vs {numeric}",
    "evidence.count": "at every one of the {count} points checked",
    "evidence.fails_with_values": ("partials fails with Values ({error}), as "
                                   "grad(create_graph=True) and forward mode call it: write it "
                                   "with autodiff.ops and operators, not math"),
    "evidence.plain_number": ("with Values it is a plain number ({value}, not a Value) although "
                              "it varies with the operands: float() or `math` on a Value cuts "
                              "the graph, so grad(create_graph=True) sees a constant; write it "
                              "with autodiff.ops and operators"),
    "evidence.modes_differ": ("at {where} it is {floats} with floats (backward) but {values} with "
                              "Values (grad(create_graph=True), forward mode); numerically "
                              "{numeric}: {right}"),
    "evidence.float_right": "the float one is right",
    "evidence.value_right": "the Value one is right",
    "evidence.neither_right": "neither is right",
    "evidence.one_point": ("only the node's point could be checked (the others are outside the "
                           "domain or at a kink): {pair}"),
    "evidence.sign": "−1× the numerical value {count} (e.g. {pair}): the sign is flipped",
    "evidence.factor": "{ratio}× the numerical value {count} (e.g. {pair}): {words}",
    "evidence.extra_factor": "an extra factor of {k}",
    "evidence.missing_factor": "a factor of {k} missing",
    "evidence.sign_extra_factor": "the sign flipped and a factor of {k} extra",
    "evidence.sign_missing_factor": "the sign flipped and a factor of {k} missing",
    "evidence.constant_factor": "a constant factor {ratio}",
    "evidence.swapped": ("it equals the numerical ∂{name}/∂{b} {count} (e.g. at {where}: "
                         "{analytic}, while ∂{name}/∂{a} is {numeric}): the partials of {a} and "
                         "{b} are swapped"),
    "evidence.at_output": ("at {a} = {x} it is {analytic}, the numerical derivative at {a} = out "
                           "= {out} ({count}): the output used where the input {a} was meant"),
    "evidence.at_input": ("the partial given {a} = out = {out} is {partial}, the numerical "
                          "derivative at {a} = {x} ({count}): the input {a} used where the "
                          "output out was meant"),
    "evidence.constant": ("; the partial is {value} at every point while the numerical "
                          "derivative varies: a number where a function of {a} was meant"),
    "evidence.some_right": "right {right}, but wrong {wrong}{constant}",
    "evidence.no_pattern": ("no common pattern fits (not a constant factor, a sign, another "
                            "operand's derivative, output for input or a missing chain-rule "
                            "factor): {listed}{constant}"),
    "evidence.chain": ("the numerical derivative is the partial × {factor} {count} (e.g. {pair}): "
                       "{missing}"),
    "evidence.itself": "the partial itself",
    "evidence.scaled": "{c}·{factor}",
    "evidence.square_missing": "a square is missing ({c}× the partial squared is right)",
    "evidence.inner_missing": "the chain rule's inner factor {factor} is missing",
}

JA: dict[str, str] = {
    "step.input": "{name} = {value}  （入力）",
    "step.seed": "∂{root}/∂{root} = 1  （出発点）",
    "step.at": "{name} = {expression} において {gradient} = {value}：",
    "step.no_tangent": "  （接ベクトルを与えた入力に依存しない）",
    "pass.forward": "順伝播",
    "pass.backward": "逆伝播",
    "caption": "ステップ {k} / {n} · {kind}",
    "explain.input": "{name} は入力です。値は与えられています。",
    "explain.forward": "順伝播では、すでに分かっている値から {name} を計算します。",
    "explain.seed": ("逆伝播は出力から始めます。{root} は自分自身と同じだけ変わるので "
                     "∂{root}/∂{root} = 1 です。"),
    "explain.meaning": ("{gradient} = {value}：{name} を少し変えると、{root} はその"
                        "およそ {value} 倍変わります。"),
    "explain.sum": ("{name} は {count} 個の演算で使われているので、その勾配はそれぞれから"
                    "戻ってきた寄与の和です：{sum}。これが δ の漸化式の Σ です。"),
    "explain.chain": ("連鎖律：{name} の各入力 a は ∂{root}/∂a = ∂{name}/∂a × {gradient} "
                      "を受け取ります（上の各行）。"),
    "explain.partial": "  （{name} は {count} 個の演算で使われる：{sum}。ここまでの和 {total}）",
    "explain.complete": ("  （{name} は {count} 個の演算で使われる：{sum} = {total}。"
                         "これで確定、δ の漸化式の Σ）"),
    "explain.leaf": "{name} は入力です。伝える先はなく、勾配はこれで確定です。",
    "explain.tangent": ("前進モード：{name} の接ベクトルは、入力ごとの局所的な偏微分と入力の"
                        "接ベクトルの積の和で、{value} です。"),
    "summary.head": "{root} の Stepper：{n} ステップ（順伝播 {forward}、逆伝播 {backward}）",
    "summary.head_forward": "{root} の Stepper（前進モード）：{n} ステップ",
    "summary.more": "… ほか {count} ステップ（stepper[k] でステップ k を表示）",
    "control.play": "▶ 再生",
    "control.pause": "❚❚ 一時停止",
    "control.previous": "◀ 前へ",
    "control.next": "次へ ▶",
    "control.whole": "⤢ グラフ全体",
    "control.full_size": "原寸",
    "control.full_size_tip": "図を原寸で表示（スクロール）",
    "control.follow": "◎ ステップを追う",
    "control.step": "ステップ",
    "control.keys": "キー：← → ステップ、スペース 再生、z 全体、+ − 拡大縮小",
    "control.view_tip": "クリックまたは z：グラフ全体か、ステップを追う表示",
    "control.all_steps": "全 {n} ステップ",
    "player.title": "誤差逆伝播をステップごとに：{root}",
    "legend.current": "このステップのノード",
    "legend.receivers": "その入力（逆伝播のステップで勾配が変わるノード）",
    "tooltip.value_of": "{op} の値",
    "tooltip.leaf": "葉",
    "tooltip.where": "{name}（{where}）",
    "tooltip.operation": "演算 {op}",
    "tooltip.number": "数 {number}",
    "tooltip.input": "ネットワークの入力 {name}",
    "format.missing": ("{path}：拡張子で形式を指定します。.svg、.png、.pdf"
                       "（TikZ なら .tex）を使ってください"),
    "format.unknown": ("{path}：ここの Graphviz は .{fmt} を書けません。.svg、.png、.pdf"
                       "（TikZ なら .tex）を使ってください（ほかに書ける形式：{others}）"),
    "group.nodes": "{members} ノード",
    "group.separator": "、",
    "group.more_out": "・ほか {count} 個の出力",
    "group.click": "{title}：{members} ノード、クリックで展開",
    "group.collapsed": "{title}：{members} ノード、折りたたみ",
    "explorer.collapsed": ("すべてのグループを折りたたんでいます：箱をクリックすると展開します"
                           "（全 {count} ノード）"),
    "explorer.expanded": "{title} を展開中：枠（または「折りたたむ」）をクリックすると戻ります",
    "explorer.still": ("すべてのグループを折りたたんでいます：ノートブックを信頼する"
                       "（またはセルを実行する、.save_as('graph.html') で保存したページを開く）と、"
                       "クリックで展開できます"),
    "explorer.fold": "折りたたむ",
    "diagram.data": "値",
    "diagram.grad": "勾配",
    "diagram.value": "各ノードの値",
    "diagram.gradient": "各ノードの勾配",
    "diagram.node": "ノード",
    "diagram.of each node": "（各ノード）",
    "diagram.delta at u": "u では δ",
    "diagram.parameter": "パラメータ",
    "diagram.leaf": "葉（入力）",
    "diagram.input": "ネットワークの入力",
    "diagram.output": "出力",
    "diagram.tangent": "接ベクトル",
    "diagram.layer": "第 {number} 層",
    "diagram.unit": "ユニット {number}",
    "network.width": "（線の太さ：|w|）",
    "network.value": "ユニットの値",
    "network.on_edges": "（辺の上）",
    "network.bias": "バイアス",
    "network.identity": "恒等",
    "exercise.title": "演習：手で計算する誤差逆伝播、{root}",
    "exercise.instructions": ("ステップの順に空欄を埋めてください。正確な値との相対誤差が "
                              "{tolerance} 以内（0 のときは差が {tolerance} 以内）なら正解です。"
                              "Enter で採点します。"),
    "exercise.blank_value": "{name} の値",
    "exercise.check": "採点",
    "exercise.show": "答えを見る",
    "exercise.right": "正解：{answer}。",
    "exercise.wrong": "まだです：{entered} は {what} ではありません。ヒント：{hint}",
    "exercise.not_number": ("「{entered}」は数ではありません。0.25 や -1.5e-3 のように"
                            "入力してください。"),
    "exercise.shown": "答え：{worked}",
    "exercise.score": "終了：{total} 問中 {right} 問を一度で正解（答えを見たもの {shown} 問）。",
    "exercise.progress": "空欄 {k} / {n}",
    "exercise.hint_value": "{name} = {expression}、ここまでの値で：{worked}",
    "exercise.hint_gradient": "連鎖律より {gradient} = {terms}。ここまでの数値で：{numbers}",
    "exercise.sheet_title": "演習プリント：{root}",
    "exercise.sheet_blank": "空欄",
    "exercise.sheet_instructions": ("グラフの空欄 [1]、[2]、… をこの順に求め、計算とともに"
                                    "表に書き込んでください。相対誤差 {tolerance} 以内なら"
                                    "正解とします。"),
    "exercise.sheet_answer": "答え",
    "exercise.sheet_key": "解答",
    "exercise.sheet_working": "計算",
    "exercise.sheet_name": "氏名：____________________",
    "exercise.next": "次の空欄 ▶",
    "cli.neuron": "E = (σ(w·x + b) − d)² / 2、{values} のとき",
    "cli.node": "ノード",
    "cli.value": "値",
    "cli.wrote": "{path} に書き出しました",
    "cli.output": "-o {reason}",
    "cli.error": "エラー：{message}",
    "cli.expression": "式",
    "cli.no_value": "「{name}」 の値がありません。--at に加えてください{hint}",
    "cli.no_directory": "-o {path}：フォルダ 「{directory}」 がありません",
    "cli.default_limit": "-o が既定で描く {limit} 個",
    "cli.too_big": ("-o：グラフのノードは {size} 個で、{allowed} を超えています。それでも描くなら "
                    "--max-nodes {size} を付けてください（Graphviz に時間がかかることがあります）。"
                    "または -o を外してください"),
    "cli.names_input": ("{output} = {name} は入力 {name} そのものに名前をつけています。"
                        "{name} だけを書くか、{name} を使った式を書いてください"),
    "cli.strays_quote": ("式 「{expression}」 の後に思いがけない {strays} があります。シェルは式を"
                         "空白で区切ります。式全体を引用符で囲んでください：\"{joined}\""),
    "cli.or_as": "（または {values}）",
    "cli.give_values": ("名前の値は --at {values}{also} の形で与え、空白のある式は引用符で"
                        "囲んでください"),
    "cli.values_given": "式の名前にはすべて値があります。空白のある式は引用符で囲んでください",
    "cli.strays": "式 「{expression}」 の後に思いがけない {strays} があります。{how}",
    "cli.max_nodes": "--max-nodes は 1 以上にしてください（{got} でした）",
    "cli.constant_spelt": "（定数の綴りは {constant}）",
    "cli.given_twice": "{name} が二度与えられています",
    "cli.expected_assignment": "名前=数 の形が必要ですが 「{part}」 でした",
    "cli.unused": "{name} = {value} が与えられましたが、式に名前 「{name}」 はありません",
    "cli.demo_wrote": "見てほしいファイル（{directory}）：",
    "cli.demo_diagram": "  ニューロンの計算グラフ：       {path}",
    "cli.demo_player": "  誤差逆伝播のプレーヤー：       {path}",
    "cli.demo_exercise": "  演習：                         {path}",
    "cli.demo_sheet": "  演習プリント（印刷用）：       {path}",
    "cli.usage": "使い方：",
    "cli.positionals": "位置引数",
    "cli.options": "オプション",
    "cli.see_help": "{message}（python -m autodiff --help）",
    "cli.argument": "引数 {argument}：{message}",
    "cli.expected_one": "値が 1 つ必要です",
    "cli.invalid_value": "{type} として読めない値です：{value}",
    "cli.invalid_choice": "選べない値です：{value}（{choices} のどれかにしてください）",
    "cli.ignored_value": "値をとらないオプションに値 {value} が付いています",
    "cli.unrecognized": "知らない引数です：{arguments}",
    "cli.help.description": ("式を評価し、すべての勾配を表示し、計算グラフを描きます。式を"
                             "与えないと、ニューロン E = (σ(u) − d)²/2"
                             "（docs/explanation/notation.md、総入力 u = w·x + b、"
                             "出力 z = σ(u)）を計算します。"),
    "cli.help.expression": ("例：'sigmoid(w*x + b)' や 'E = (sigmoid(w*x + b) - d)**2/2'"
                            "（出力に E と名前をつける）。数、名前、定数 pi と e、"
                            "+ - * / **、かっこ、autodiff.primitives の関数"
                            "（exp、log または ln、sin、max など）が使えます。オプションでも "
                            "名前=数 でもない最初の引数が式です。'-x*y' でも式になります"
                            "（-- の後の引数も式）"),
    "cli.help.values": "名前の値。--at と同じ形で：x=1 w=2 b=-1",
    "cli.help.help": "このヘルプを表示して終了します",
    "cli.help.import": ("このPythonモジュールを先に読み込みます。そこで autodiff.primitive "
                        "で定義したプリミティブが使えるようになります（くり返し可）"),
    "cli.help.at": ("名前の値。例：w=0.5,x=1,b=0 または w=0.5、x=1、b=0（くり返し可）。"
                    "pi や e に値を与えると変数になります"),
    "cli.help.output": "計算グラフの図を書き出します（形式は拡張子で決まります）",
    "cli.help.max_nodes": ("-o で描くグラフのノード数の上限 N（既定：draw() の "
                           "max_nodes）"),
    "cli.help.steps": "順伝播と逆伝播をステップごとに表示します",
    "cli.help.lang": "出力の言語：en（英語）または ja（日本語）",
    "cli.help.demo_files": ("式を与えないとき：ニューロンの計算グラフ、ステップ再生の"
                            "プレーヤー、演習（と印刷用プリント）もファイルに書き出し、"
                            "そのパスを表示します（./run demo はこれを使います）"),
    "cli.help.demo_dir": ("--demo-files の書き出し先フォルダ（既定：カレントフォルダに新しく"
                          "作る autodiff-demo）"),
    "expr.or": " か ",
    "expr.bad_number": ("数 「{text}」 が読めません。符号・小数点・指数のついた数字で書いてください"
                        "（例：2、-0.5、1e-3）"),
    "expr.bad_number_for": ("{name} の数 「{text}」 が読めません。符号・小数点・指数のついた数字で"
                            "書いてください（例：2、-0.5、1e-3）"),
    "expr.too_large": "数 {text} は float には大きすぎます",
    "expr.too_long": "式が {limit} 文字より長すぎます",
    "expr.write_instead": "。代わりに {spelling} と書いてください",
    "expr.ascii_digit": "。半角数字の {digit} で書いてください",
    "expr.unexpected_character": "読めない文字 「{char}」{hint}",
    "expr.unexpected_letter": "読めない文字 「{char}」。{reason}",
    "expr.not_a_name": ("「{word}」 は名前になりません。名前は半角英字・数字・_ でできています。"
                        "{instead}"),
    "expr.write_name": "{name} と書いてください",
    "expr.romanise": "ローマ字か 1 文字の英字で書いてください",
    "expr.could_be": "関数 「{name}」 は {meant} のどちらかです。つづりどおりに書いてください",
    "expr.did_you_mean": "{close} のことですか？ ",
    "expr.unknown_function": "知らない関数 「{name}」。{hint}使える関数：{known}",
    "expr.after_complete": "式が完結した後に 「{token}」 があります{hint}",
    "expr.expected": "「{expected}」 が必要ですが、{found} がありました{hint}",
    "expr.the_end": "終わり",
    "expr.the_end_of_expression": "式の終わり",
    "expr.product": "。積なら {product} と書いてください",
    "expr.nested": "式の入れ子が {limit} 段より深すぎます",
    "expr.operands": "{name} のオペランドは {arity} 個ですが、{count} 個ありました",
    "expr.one_operand": "{name} のオペランドは {arity} 個ですが、{count} 個ありました",
    "expr.is_function": "{name} は関数です。{name}(...) と書いてください",
    "expr.expected_operand": "数・名前・「(」 のどれかが必要ですが、{found} がありました",
    "expr.named_by_parse_definition": "。出力に名前をつけるのは parse_definition です（E = ...）",
    "expr.one_equals": "。= は出力の名前の後に一つだけです：E = ...",
    "expr.only_name_before": "。= の前に書けるのは出力の名前だけです（E = ...）",
    "expr.output_is_function": "{name} は関数です。出力には別の名前をつけてください",
    "expr.output_is_input": ("出力の名前 {name} が式の入力にも使われています。"
                             "出力には別の名前をつけてください"),
    "expr.no_value": "変数 「{name}」 の値がありません",
    "check.unreachable": ("{label} はグラフを通って f の出力に届いていません：f は Value の"
                          "代わりに .data（または float()）を使いませんでしたか？"),
    "check.modes_differ": ("前進モードは {forward}、逆伝播モードは {reverse}：差 {gap} は"
                           "丸め誤差の上限 {bound} を超えています"),
    "check.fails_near": "{label} = {value} の近く（刻み {step}）で f が失敗します：{error}",
    "check.head": "勾配チェック（{method} 差分{checked}）：{parts}",
    "check.failed": "{n} 個の導関数のうち {failing} 個で不一致",
    "check.all_agree": "{n} 個の導関数がすべて一致",
    "check.one_agrees": "導関数は一致",
    "check.some_agree": "{n} 個の導関数のうち {agreeing} 個が一致",
    "check.subgradients": "{count} 個は折れ点で有効な劣勾配",
    "check.kinks": "{count} 個は未検査：f はここで微分可能ではない",
    "check.columns": "導関数|値|解析的|数値的|絶対誤差|相対誤差|判定",
    "check.more_rows": "... ほか {count} 行（result.table() ですべての行を表示）",
    "check.one_more_row": "... ほか 1 行（result.table() ですべての行を表示）",
    "check.one_failed": "導関数が不一致",
    "check.one_kink": "1 個は未検査：f はここで微分可能ではない",
    "check.mode": "{mode} モード",
    "check.both_modes": "rev と fwd の両モード",
    "check.orders": "1 階から {order} 階まで",
    "check.directions": "ランダムな {count} 方向に沿って",
    "check.one_direction": "ランダムな 1 方向に沿って",
    "check.fallback": ("ランダムな方向に沿ったチェックが失敗したので、入力ごとの 1 階から "
                       "{order} 階までの行を続けて示します。最も悪い入力が分かります。"),
    "check.fallback_one": ("ランダムな方向に沿ったチェックが失敗したので、入力ごとの 1 階の行を"
                           "続けて示します。最も悪い入力が分かります。"),
    "check.second_order": "{method}、2 階",
    "check.sides": "左 {left}、右 {right}",
    "check.verdict_ok": "一致",
    "check.verdict_kink": "この点の近くで微分不可能（{sides}）：有効な劣勾配",
    "check.verdict_subgradient": "一致：折れ点での有効な劣勾配（{sides}）",
    "check.verdict_error": "エラー：{note}",
    "check.verdict_fail": "不一致（許容誤差 {tolerance}{uncertainty}{kink}）",
    "check.uncertainty": "、差分の不確かさ {uncertainty}",
    "check.not_subgradient": "；折れ点（{sides}）で、劣勾配でもない",
    "check.why_columns": "偏微分|考えられるバグ|根拠",
    "check.elsewhere": ("f のグラフの {checked} 個の演算はどれも、この点でそのプリミティブ自身の"
                        "差分と一致します。原因は別のところにあります：f が Value の .data"
                        "（または float()）を読んでいるか、スイープのステップが誤っています。"),
    "check.elsewhere_unchecked": ("f のグラフの {checked} 個の演算のうち、この点でプリミティブ"
                                  "自身の差分と食い違うものはありませんが、{unchecked} 個は"
                                  "検査できませんでした（折れ点・極・定義域の端に近すぎる）。"
                                  "それ以外なら、f が Value の .data（または float()）を"
                                  "読んでいるか、スイープのステップが誤っています。"),
    "check.wrong_primitive": ("プリミティブ {primitive} が誤っています：{at}{node} で、"
                              "その偏微分 (partials) が forward の差分と食い違います："),
    "check.at_node": "（ノード {label!r}）",
    "check.modes_partial": "  {derivative}：{name}：{evidence}",
    "check.wrong_partial": ("  {derivative} は partials では {analytic}、数値的には {numeric}。"
                            "考えられるバグ：{name}：{evidence}"),
    "check.judged_wrong": ("差分の不確かさ {uncertainty}、食い違い {discrepancy}："
                           "解析的な導関数が誤っています"),
    "check.judged_probably_wrong": ("差分の不確かさ {uncertainty}、食い違い {discrepancy}："
                                    "解析的な導関数がおそらく誤っていますが、食い違いは不確かさの "
                                    "{ratio} 倍しかありません（method='five-point' か別の eps を"
                                    "試してください）"),
    "check.worst": ("{label} = {value} での {derivative}：解析的 {analytic}、数値的 {numeric}、"
                    "絶対誤差 {abs_error}、相対誤差 {rel_error} > 許容誤差 {tolerance}"),
    "check.worst_kink": ("（f はこの点またはその ε 以内で微分不可能：左 {left}、右 {right}。"
                         "解析的な値はその外にあり、有効な劣勾配ではありません）"),
    "check.failure": "勾配チェック失敗：最も悪いのは {head}",
    "diagnosis.float and Value modes disagree": "float モードと Value モードの食い違い",
    "diagnosis.sign flipped": "符号の反転",
    "diagnosis.constant factor": "定数倍のずれ",
    "diagnosis.chain rule missing a factor": "連鎖律の因子の掛け忘れ",
    "diagnosis.operands swapped": "オペランドの取り違え",
    "diagnosis.evaluated at the output": "出力で評価している",
    "diagnosis.evaluated at the input": "入力で評価している",
    "diagnosis.right at one point only": "1 点でだけ正しい",
    "diagnosis.right at some points only": "一部の点でだけ正しい",
    "diagnosis.no pattern": "パターンなし",
    "evidence.note": ("partials による {derivative}：{analytic}\n数値的には：{numeric}\n"
                      "考えられるバグ：{name}"),
    "evidence.separator": "；",
    "evidence.pair": "{where} で {analytic}（数値的には {numeric}）",
    "evidence.count": "調べた {count} 点のすべてで",
    "evidence.fails_with_values": ("partials は Value を渡すと失敗します（{error}）。"
                                   "grad(create_graph=True) と前進モードは Value を渡して"
                                   "呼びます：math ではなく autodiff.ops と演算子で書いてください"),
    "evidence.plain_number": ("Value を渡すと、オペランドによって変わるはずなのにただの数"
                              "（{value}、Value ではない）になります。Value に float() や "
                              "`math` を使うとグラフが切れ、grad(create_graph=True) には定数に"
                              "見えます：autodiff.ops と演算子で書いてください"),
    "evidence.modes_differ": ("{where} で float では {floats}（逆伝播）ですが、Value では "
                              "{values}（grad(create_graph=True)、前進モード）です。数値的には "
                              "{numeric}：{right}"),
    "evidence.float_right": "float の方が正しい",
    "evidence.value_right": "Value の方が正しい",
    "evidence.neither_right": "どちらも正しくない",
    "evidence.one_point": ("調べられたのはノードの点だけです（ほかの点は定義域の外か折れ点）："
                           "{pair}"),
    "evidence.sign": "{count}数値的な値の −1 倍（例：{pair}）：符号が反転しています",
    "evidence.factor": "{count}数値的な値の {ratio} 倍（例：{pair}）：{words}",
    "evidence.extra_factor": "余分な因子 {k} が掛かっています",
    "evidence.missing_factor": "因子 {k} が抜けています",
    "evidence.sign_extra_factor": "符号が反転し、余分な因子 {k} が掛かっています",
    "evidence.sign_missing_factor": "符号が反転し、因子 {k} が抜けています",
    "evidence.constant_factor": "定数倍 {ratio} のずれです",
    "evidence.swapped": ("{count}数値的な ∂{name}/∂{b} に等しくなります（例：{where} で "
                         "{analytic}、一方 ∂{name}/∂{a} は {numeric}）：{a} と {b} の偏微分が"
                         "入れ替わっています"),
    "evidence.at_output": ("{a} = {x} での値 {analytic} は、{a} = out = {out} での数値的な導関数"
                           "です（{count}）：入力 {a} を使うべきところで出力を使っています"),
    "evidence.at_input": ("{a} = out = {out} を与えた偏微分 {partial} は、{a} = {x} での数値的な"
                          "導関数です（{count}）：出力 out を使うべきところで入力 {a} を"
                          "使っています"),
    "evidence.constant": ("；偏微分はどの点でも {value} ですが、数値的な導関数は変わります："
                          "{a} の関数であるべきところが数になっています"),
    "evidence.some_right": "正しいのは {right}、誤りは {wrong}{constant}",
    "evidence.no_pattern": ("よくあるパターン（定数倍、符号、別のオペランドの導関数、入力と出力の"
                            "取り違え、連鎖律の因子の抜け）のどれにも当てはまりません：{listed}"
                            "{constant}"),
    "evidence.chain": ("{count}数値的な導関数は 偏微分 × {factor} です（例：{pair}）："
                       "{missing}"),
    "evidence.itself": "偏微分そのもの",
    "evidence.scaled": "{c}·{factor}",
    "evidence.square_missing": "2 乗が抜けています（偏微分の 2 乗の {c} 倍が正しい値）",
    "evidence.inner_missing": "連鎖律の内側の因子 {factor} が抜けています",
}

CATALOGUES: Mapping[str, Mapping[str, str]] = {"en": EN, "ja": JA}


def check_lang(lang: object) -> str:
    """`lang` if there is a catalogue of it, else a ValueError naming those there are."""
    if not isinstance(lang, str) or lang not in CATALOGUES:
        raise ValueError(f"lang must be one of {', '.join(map(repr, LANGUAGES))}, got {lang!r}")
    return lang


def say(lang: str, key: str, /, **fields: object) -> str:
    """The text of `key` in `lang`, its placeholders filled from `fields`."""
    return CATALOGUES[check_lang(lang)][key].format(**fields)


def placeholders(template: str) -> set[str]:
    """The names a template fills ({name}, {name!r} → "name")."""
    return {field for _, field, _, _ in string.Formatter().parse(template) if field is not None}


def template(lang: str, key: str) -> str:
    """The text of `key` in `lang` with its placeholders unfilled (for the page's
    script, which fills them)."""
    return CATALOGUES[check_lang(lang)][key]


Field = object
"""A field of a `Message`: a value (formatted as it is), another `Message` (said
in the same language), or a function of the language (a list joined by its "or")."""


class Message:
    """A catalogue text not said yet: its key and its fields, said in any language
    by `.say(lang)`; `str()` is the English. What an error carries when the code
    that raises it does not know the reader's language (the expression language's
    `ExpressionError`; the command line says it in `--lang`'s language)."""

    def __init__(self, key: str, /, **fields: Field) -> None:
        if key not in CATALOGUES["en"]:
            raise KeyError(f"no message {key!r} in the catalogue")
        self.key, self.fields = key, fields

    def say(self, lang: str) -> str:
        return say(lang, self.key, **{name: _said(value, lang)
                                      for name, value in self.fields.items()})

    def __str__(self) -> str:
        return self.say("en")

    def __repr__(self) -> str:
        return f"Message({self.key!r}, {self.fields!r})"


def _said(value: Field, lang: str) -> object:
    if isinstance(value, Message):
        return value.say(lang)
    if callable(value):
        return value(lang)
    return value


def joined(items: Sequence[Field], lang_word: str) -> Callable[[str], str]:
    """A field: `items` (texts, or fields as a `Message` takes) joined by the
    catalogue's word `lang_word` ("expr.or": " or ", " か ") in the language the
    message is said in."""
    return lambda lang: say(lang, lang_word).join(str(_said(item, lang)) for item in items)
