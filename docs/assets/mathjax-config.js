// MathJax 2, served from the site (assets/mathjax, copied by docs/hooks.py), for the
// formulas of the Markdown pages (pymdownx.arithmatex, generic mode: \( \) and \[ \]).
// A notebook page loads the same MathJax itself, with the notebook's $ delimiters:
// there this script finds window.MathJax and does nothing.
(function () {
  if (window.MathJax) return;
  window.MathJax = {
    tex2jax: { inlineMath: [["\\(", "\\)"]], displayMath: [["\\[", "\\]"]],
               processEscapes: true },
    messageStyle: "none",
  };
  var script = document.createElement("script");
  script.src = document.currentScript.src.replace(/mathjax-config\.js.*$/,
                                                  "mathjax/MathJax.js?config=TeX-AMS-MML_HTMLorMML-full,local/autodiff");
  document.head.appendChild(script);
})();
