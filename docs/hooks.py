"""MkDocs hooks of the documentation site (mkdocs.yml: hooks).

MathJax is served from the site itself, not from a CDN, so that the formulas of
the pages and of the notebooks render offline (a classroom without a network,
the tests' headless browser): the copy that the `jupyter-server-mathjax` package
ships (MathJax 2.7, its configuration TeX-AMS-MML_HTMLorMML-full) is copied into
site/assets/mathjax after the build, with a local configuration (`LOCAL_CONFIG`, loaded as
`config=TeX-AMS-MML_HTMLorMML-full,local/autodiff`) that sets the one web font the package
ships, STIX-Web, as JupyterLab does (MathJax's default, the TeX fonts, is not in it).
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


def on_post_build(config: Any, **kwargs: Any) -> None:
    import jupyter_server_mathjax  # the docs extra

    source = Path(jupyter_server_mathjax.__file__).parent / "static"
    target = Path(config["site_dir"]) / "assets" / "mathjax"
    shutil.copytree(source, target, dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns("*.md", "LICENSE*", "unpacked"))
    (target / "config" / "local").mkdir(exist_ok=True)
    (target / "config" / "local" / "autodiff.js").write_text(LOCAL_CONFIG)
