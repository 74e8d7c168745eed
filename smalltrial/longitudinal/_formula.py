"""The formula whitelist of the longitudinal models: formulas are data, never code.

patsy evaluates every factor of a formula as Python, so ``"y ~ __import__('os').system(...)"``
would run a command. :func:`check_formula` reads the formula with Python's tokenizer and
accepts only this grammar (anything else raises :class:`~smalltrial.SmallTrialError` before
patsy sees the formula):

* left of ``~``: one column of ``data`` (``y`` or ``Q('column name')``);
* right of ``~``: terms joined by ``+ - * : / **`` and grouped by ``( )``, where a term is

  - a column of ``data`` (a plain name, or ``Q('any column name')``),
  - a numeric literal (``1``, ``0``, ``-1`` for the intercept; exponents such as ``** 2``),
  - ``C(column)``, optionally with a contrast ``Treatment``, ``Sum``, ``Treatment(<level>)``
    or ``Treatment(reference=<level>)``, or ``levels=[<level>, ...]`` (levels are number or
    string literals),
  - a transform of an expression: ``np.log``, ``np.log2``, ``np.log10``, ``np.log1p``,
    ``np.exp``, ``np.sqrt``, ``np.abs``, ``center``, ``standardize``, ``scale`` and ``I``
    (patsy's arithmetic, e.g. ``I(month ** 2)``).

No attribute access other than these ``np.`` names, no subscripts, keywords, other calls or
string literals outside ``Q``/``C``. Bare ``log`` is not defined in formulas; use ``np.log``
or ``transform="log"`` for the outcome.

>>> import pandas as pd
>>> df = pd.DataFrame({"y": [1.0, 2.0], "month": [0, 3], "visit": ["a", "b"]})
>>> check_formula("y ~ C(visit, Treatment('b')) + np.log(month + 1)", df) is df
True
>>> from smalltrial import SmallTrialError
>>> try:
...     check_formula("y ~ __import__('os').system('id')", df)
... except SmallTrialError as exc:
...     print(str(exc)[:74])
formula "y ~ __import__('os').system('id')": '__import__' is not a column
"""

from __future__ import annotations

import ast
import io
import keyword
import tokenize
from typing import Any

from smalltrial._errors import SmallTrialError
from smalltrial._validate import (
    check_column_name,
    check_frame,
    check_label_column,
    column_values,
)

__all__ = ["check_formula", "TRANSFORMS"]

#: functions allowed in a formula besides C() and Q(): they take one expression
TRANSFORMS = (
    "np.abs", "np.exp", "np.log", "np.log10", "np.log1p", "np.log2", "np.sqrt",
    "center", "I", "scale", "standardize",
)
_CONTRASTS = ("Treatment", "Sum")
_BINARY = {"+", "-", "*", ":", "/", "**"}
_SKIP = {tokenize.NL, tokenize.NEWLINE, tokenize.ENDMARKER, tokenize.INDENT, tokenize.DEDENT}


class _Reject(Exception):
    """Internal: the reason a formula is not accepted."""


def _tokens(text: str) -> list[tokenize.TokenInfo]:
    try:
        toks = [t for t in tokenize.generate_tokens(io.StringIO(text).readline)
                if t.type not in _SKIP]
    except (tokenize.TokenError, IndentationError, SyntaxError) as exc:
        raise _Reject(f"cannot be read ({exc.args[0] if exc.args else exc})") from None
    for t in toks:
        if t.type == tokenize.COMMENT:
            raise _Reject("'#' is not allowed")
        if t.type == tokenize.ERRORTOKEN and t.string.strip():
            raise _Reject(f"{t.string!r} is not allowed")
    return [t for t in toks if t.type != tokenize.ERRORTOKEN]


class _Parser:
    """Recursive descent over the whitelisted grammar; collects the columns used."""

    def __init__(self, toks: list[tokenize.TokenInfo], columns: set):
        self.toks = toks
        self.i = 0
        self.columns = columns
        self.used: list[str] = []

    # -- token helpers
    def peek(self, k: int = 0) -> tokenize.TokenInfo | None:
        j = self.i + k
        return self.toks[j] if j < len(self.toks) else None

    def take(self) -> tokenize.TokenInfo:
        tok = self.peek()
        if tok is None:
            raise _Reject("ends unexpectedly")
        self.i += 1
        return tok

    def expect(self, text: str) -> None:
        tok = self.take()
        if tok.string != text:
            raise _Reject(f"expected {text!r}, found {tok.string!r}")

    def at(self, text: str) -> bool:
        tok = self.peek()
        return tok is not None and tok.type == tokenize.OP and tok.string == text

    # -- grammar
    def expression(self) -> None:
        self.unary()
        while True:
            tok = self.peek()
            if tok is None or tok.type != tokenize.OP or tok.string not in _BINARY:
                return
            self.take()
            self.unary()

    def unary(self) -> None:
        while self.at("-") or self.at("+"):
            self.take()
        self.atom()

    def atom(self) -> None:
        tok = self.take()
        if tok.type == tokenize.OP and tok.string == "(":
            self.expression()
            self.expect(")")
            return
        if tok.type == tokenize.NUMBER:
            if tok.string[-1] in "jJ":
                raise _Reject(f"{tok.string!r} is not a real number")
            return
        if tok.type == tokenize.NAME:
            name = self.dotted(tok.string)
            if keyword.iskeyword(name):
                raise _Reject(f"the keyword {name!r} is not allowed")
            if self.at("("):
                self.call(name)
                return
            if name in self.columns:
                self.used.append(name)
                return
            raise _Reject(self.unknown(name))
        raise _Reject(f"{tok.string!r} is not allowed here")

    def dotted(self, first: str) -> str:
        name = first
        while self.at(".") and self.peek(1) is not None and self.peek(1).type == tokenize.NAME:
            self.take()
            name += "." + self.take().string
        if self.at("."):
            raise _Reject(f"attribute access after {name!r} is not allowed")
        return name

    def unknown(self, name: str) -> str:
        return (f"{name!r} is not a column of data, a numeric literal, C(...), Q(...) or an "
                f"allowed transform ({', '.join(TRANSFORMS)})")

    def call(self, name: str) -> None:
        self.expect("(")
        if name == "Q":
            self.used.append(self.column_string())
        elif name == "C":
            self.c_arguments()
        elif name in TRANSFORMS:
            self.expression()
        else:
            raise _Reject(self.unknown(name))
        self.expect(")")

    def column_string(self) -> str:
        value = self.literal()
        if not isinstance(value, str) or value not in self.columns:
            raise _Reject(f"Q({value!r}): not a column of data")
        return value

    def literal(self) -> Any:
        """A number or string literal (a leading minus allowed for numbers)."""
        sign = ""
        if self.at("-"):
            self.take()
            sign = "-"
        tok = self.take()
        if tok.type not in (tokenize.NUMBER, tokenize.STRING) or (sign and tok.type != tokenize.NUMBER):
            raise _Reject(f"expected a number or a quoted level, found {tok.string!r}")
        try:
            value = ast.literal_eval(sign + tok.string)
        except (ValueError, SyntaxError):
            raise _Reject(f"{tok.string!r} is not a plain literal") from None
        if not isinstance(value, (int, float, str)) or isinstance(value, bool):
            raise _Reject(f"{tok.string!r} is not a number or a string")
        return value

    def c_arguments(self) -> None:
        tok = self.take()
        if tok.type == tokenize.NAME and tok.string == "Q" and self.at("("):
            self.take()
            self.used.append(self.column_string())
            self.expect(")")
        elif tok.type == tokenize.NAME and tok.string in self.columns:
            self.used.append(tok.string)
            if self.at("."):
                raise _Reject(f"attribute access after {tok.string!r} is not allowed")
        else:
            raise _Reject(f"C() takes a column of data, found {tok.string!r}")
        if not self.at(","):
            return
        self.take()
        tok = self.take()
        if tok.type == tokenize.NAME and tok.string in _CONTRASTS:
            if self.at("("):
                self.take()
                if tok.string != "Treatment":
                    raise _Reject(f"{tok.string}() takes no arguments here")
                nxt, after = self.peek(), self.peek(1)
                if (nxt is not None and nxt.string == "reference" and after is not None
                        and after.string == "="):
                    self.take()
                    self.take()
                self.literal()
                self.expect(")")
            return
        if tok.type == tokenize.NAME and tok.string == "levels" and self.at("="):
            self.take()
            self.expect("[")
            self.literal()
            while self.at(","):
                self.take()
                if self.at("]"):
                    break
                self.literal()
            self.expect("]")
            return
        raise _Reject(f"C(column, ...) allows Treatment, Sum, Treatment(<level>), "
                      f"Treatment(reference=<level>) or levels=[...], found {tok.string!r}")


def _side(text: str, columns: set, *, outcome: bool) -> list[str]:
    toks = _tokens(text)
    if not toks:
        raise _Reject("has an empty side of '~'")
    parser = _Parser(toks, columns)
    if outcome:
        tok = parser.take()
        if tok.type == tokenize.NAME and tok.string == "Q" and parser.at("("):
            parser.take()
            parser.used.append(parser.column_string())
            parser.expect(")")
        elif tok.type == tokenize.NAME and tok.string in columns and not parser.at("."):
            parser.used.append(tok.string)
        else:
            raise _Reject(
                f"the outcome {text!r} (left of '~') must be a column of data"
                + (" (use transform='log' instead of log() in the formula)"
                   if "log" in text else "")
            )
    else:
        parser.expression()
    extra = parser.peek()
    if extra is not None:
        raise _Reject(f"{extra.string!r} is not allowed here")
    return parser.used


def check_formula(formula: Any, data: Any, subject: Any = None):
    """Accept only whitelisted formulas (module docstring); return ``data`` ready for patsy.

    ``subject`` (optional) is checked to be a column name whose cells are labels; so are the
    text columns the formula uses (a list in a cell is a data error).

    Raises SmallTrialError naming the formula and the first offending piece before any of it
    is evaluated. The returned frame is ``data`` itself, or a copy in which the formula's
    columns with pandas extension dtypes (``Int64``, ``Float64``, ``boolean``, ``string``) or
    object columns holding only numbers have plain numpy dtypes, so that they give the same
    model as float/str columns (patsy would treat an object column of numbers as categorical).
    """
    data = check_frame(data, "data")
    if not isinstance(formula, str) or formula.count("~") != 1:
        raise SmallTrialError(f"formula must be 'outcome ~ terms'; got {formula!r}")
    lhs, rhs = formula.split("~")
    columns = {c for c in data.columns if isinstance(c, str)}
    try:
        used = _side(lhs.strip(), columns, outcome=True) + _side(rhs.strip(), columns,
                                                                  outcome=False)
    except _Reject as why:
        raise SmallTrialError(f"formula {formula!r}: {why}") from None
    used = list(dict.fromkeys(used))
    check_column_name(subject, "subject", optional=True)
    labels = [c for c in used[1:] if data[c].dtype == object]
    if subject is not None and subject in data.columns:
        labels.append(subject)
    for col in labels:
        check_label_column(data, col)
    return _plain_dtypes(data, used)


def _plain_dtypes(data, used: list[str]):
    import pandas as pd

    from smalltrial._validate import _is_real

    changes = {}
    for col in used:
        s = data[col]
        if isinstance(s.dtype, pd.CategoricalDtype):
            continue  # a declared categorical stays one (its categories give the level order)
        if isinstance(s.dtype, pd.api.extensions.ExtensionDtype):
            changes[col] = column_values(data, col)
        elif s.dtype == object:
            present = s.dropna()
            if len(present) and present.map(_is_real).all():
                changes[col] = s.astype("float64")
    return data.assign(**changes) if changes else data
