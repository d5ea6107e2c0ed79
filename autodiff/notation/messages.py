"""The words the library says to its reader, in English and in Japanese.

One catalogue per language (`CATALOGUES["en"]`, `CATALOGUES["ja"]`), the same
keys in both, each text a `str.format` template whose placeholders are the
same in both (tests/test_messages.py fails otherwise). `say(lang, key, **fields)`
is the text; `check_lang(lang)` the clear error for a language there is none of.

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
from collections.abc import Mapping

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
    "control.follow": "◎ follow the step",
    "control.full_size": "full size",
    "control.full_size_tip": "the picture at full size, scrolling",
    "control.step": "step",
    "control.keys": "keys: ← → step, space play, z whole graph, + − size",
    "control.view_tip": "click or z: the whole graph, or follow the step",
    "control.all_steps": "all {n} steps",
    "player.title": "Backpropagation step by step: {root}",
    "legend.current": "the step's node",
    "legend.receivers": "its inputs, whose gradients the backward step changes",
    # -- the diagrams' words (autodiff.drawing) --
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
    # -- the exercise (autodiff.stepping.exercise) --
    "exercise.title": "Exercise: backpropagation by hand, {root}",
    "exercise.instructions": ("Fill in each blank in the order of the steps. An answer is "
                              "right when it is within a relative error of {tolerance} of the "
                              "exact number (or within {tolerance} of 0). Press Enter to check."),
    "exercise.blank_value": "the value of {name}",
    "exercise.blank_gradient": "{gradient}",
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
    "exercise.given": "given",
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
    "cli.no_value": "no value for {name!r}: add it to --at{hint}",
    "cli.constant_spelt": " (the constant is spelt {constant})",
    "cli.given_twice": "{name} is given twice",
    "cli.expected_assignment": "expected name=number, got {part!r}",
    "cli.unused": "{name} = {value} is given, but the expression has no name {name!r}",
    "cli.demo_wrote": "files to look at, in {directory}:",
    "cli.demo_diagram": "  the neuron's diagram:       {path}",
    "cli.demo_player": "  its backpropagation player: {path}",
    "cli.demo_exercise": "  an exercise on it:          {path}",
    "cli.demo_sheet": "  the exercise, printable:    {path}",
    # -- gradcheck (autodiff.checking) --
    "check.head": "gradcheck ({method} differences{checked}): {parts}",
    "check.failed": "FAILED for {failing} of {n} derivatives",
    "check.all_agree": "all {n} derivatives agree",
    "check.one_agrees": "the derivative agrees",
    "check.some_agree": "{agreeing} of {n} derivatives agree",
    "check.subgradients": "{count} at a kink as a valid subgradient",
    "check.kinks": "{count} derivatives not checked: f is not differentiable here",
    "check.columns": "derivative|value|analytic|numeric|abs error|rel error|verdict",
    "check.more_rows": "... and {count} more rows (result.table() shows every row)",
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
    "control.follow": "◎ ステップを追う",
    "control.full_size": "原寸",
    "control.full_size_tip": "図を原寸で表示（スクロール）",
    "control.step": "ステップ",
    "control.keys": "キー：← → ステップ、スペース 再生、z 全体、+ − 拡大縮小",
    "control.view_tip": "クリックまたは z：グラフ全体か、ステップを追う表示",
    "control.all_steps": "全 {n} ステップ",
    "player.title": "誤差逆伝播をステップごとに：{root}",
    "legend.current": "このステップのノード",
    "legend.receivers": "その入力（逆伝播のステップで勾配が変わるノード）",
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
    "exercise.title": "演習：手で計算する誤差逆伝播、{root}",
    "exercise.instructions": ("ステップの順に空欄を埋めてください。正確な値との相対誤差が "
                              "{tolerance} 以内（0 のときは差が {tolerance} 以内）なら正解です。"
                              "Enter で採点します。"),
    "exercise.blank_value": "{name} の値",
    "exercise.blank_gradient": "{gradient}",
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
    "exercise.given": "既知",
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
    "cli.no_value": "{name!r} の値がありません。--at に加えてください{hint}",
    "cli.constant_spelt": "（定数の綴りは {constant}）",
    "cli.given_twice": "{name} が二度与えられています",
    "cli.expected_assignment": "名前=数 の形が必要ですが {part!r} でした",
    "cli.unused": "{name} = {value} が与えられましたが、式に名前 {name!r} はありません",
    "cli.demo_wrote": "見てほしいファイル（{directory}）：",
    "cli.demo_diagram": "  ニューロンの計算グラフ：       {path}",
    "cli.demo_player": "  誤差逆伝播のプレーヤー：       {path}",
    "cli.demo_exercise": "  演習：                         {path}",
    "cli.demo_sheet": "  演習プリント（印刷用）：       {path}",
    "check.head": "勾配チェック（{method} 差分{checked}）：{parts}",
    "check.failed": "{n} 個の導関数のうち {failing} 個で不一致",
    "check.all_agree": "{n} 個の導関数がすべて一致",
    "check.one_agrees": "導関数は一致",
    "check.some_agree": "{n} 個の導関数のうち {agreeing} 個が一致",
    "check.subgradients": "{count} 個は折れ点で有効な劣勾配",
    "check.kinks": "{count} 個は未検査：f はここで微分可能ではない",
    "check.columns": "導関数|値|解析的|数値的|絶対誤差|相対誤差|判定",
    "check.more_rows": "... ほか {count} 行（result.table() ですべての行を表示）",
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
