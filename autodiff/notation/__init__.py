"""How the library writes maths: each primitive's symbol, notation and derivative texts
(`symbols`), numbers and names for display (`typeset`), and the expression language the
CLI reads (`expression`). Standard library only."""

from autodiff.notation.messages import check_lang, say
from autodiff.notation.symbols import (
    Formula,
    Shown,
    derivative_texts,
    notation,
    operand_name,
    operand_names,
    symbol,
    write,
)
from autodiff.notation.typeset import check_number_format, format_number, safe_text

__all__ = ["Formula", "Shown", "check_lang", "check_number_format", "derivative_texts",
           "format_number", "notation", "operand_name", "operand_names", "safe_text", "say",
           "symbol", "write"]
