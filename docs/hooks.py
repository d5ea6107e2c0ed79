"""MkDocs hooks of the documentation site (mkdocs.yml: hooks).

MathJax is served from the site itself, not from a CDN, so that the formulas of
the pages and of the notebooks render offline (a classroom without a network,
the tests' headless browser): the copy that the `jupyter-server-mathjax` package
ships (MathJax 2.7, its configuration TeX-AMS-MML_HTMLorMML-full) is copied into
site/assets/mathjax after the build, with a local configuration (`LOCAL_CONFIG`, loaded as
`config=TeX-AMS-MML_HTMLorMML-full,local/autodiff`) that sets the one web font the package
ships, STIX-Web, as JupyterLab does (MathJax's default, the TeX fonts, is not in it).

The table of built-in primitives on the `autodiff.ops` page is printed from the
primitives themselves (`primitives_table`): their symbol, arity and derivative texts,
so that the page cannot disagree with the engine.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

LOCAL_CONFIG = """\
MathJax.Hub.Config({"HTML-CSS": {availableFonts: [], preferredFont: null, webFont: "STIX-Web",
                                 imageFont: null}});
MathJax.Ajax.loadComplete("[MathJax]/config/local/autodiff.js");
"""


PRIMITIVES_TABLE = "<!-- the table of primitives, printed by docs/hooks.py -->"


def primitives_table() -> str:
    """A Markdown table of `autodiff.ops`: name, diagram symbol, ∂out/∂operand."""
    from autodiff import ops
    from autodiff.notation import derivative_texts, symbol

    rows = ["| primitive | drawn as | operands | local derivatives ∂out/∂a, ∂out/∂b, ... |",
            "|---|---|---|---|"]
    for name in ops.__all__:
        primitive = getattr(ops, name)
        if not hasattr(primitive, "partials"):
            continue  # where, equal: the helpers partials branch with
        operands = "abc"[: primitive.arity or 3]
        texts = ", ".join(f"`{t}`" for t in derivative_texts(primitive, "out", *operands))
        arity = primitive.arity or "any number (a, b, c, ...)"
        rows.append(f'| <span id="autodiff.ops.{name}"></span>`ops.{name}` '
                    f"| {symbol(primitive)} | {arity} | {texts} |")
    return "\n".join(rows)


def on_page_markdown(markdown: str, page: Any, **kwargs: Any) -> str:
    if PRIMITIVES_TABLE in markdown:
        return markdown.replace(PRIMITIVES_TABLE, primitives_table())
    return markdown


def on_post_build(config: Any, **kwargs: Any) -> None:
    import jupyter_server_mathjax  # the docs extra

    source = Path(jupyter_server_mathjax.__file__).parent / "static"
    target = Path(config["site_dir"]) / "assets" / "mathjax"
    shutil.copytree(source, target, dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns("*.md", "LICENSE*", "unpacked"))
    (target / "config" / "local").mkdir(exist_ok=True)
    (target / "config" / "local" / "autodiff.js").write_text(LOCAL_CONFIG)
