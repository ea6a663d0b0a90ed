"""The package's layout: imports point one way, down the data's path, and nothing hides them.

The order below is the README's map of jazzcore: a module may import only modules listed
before it, so there is no cycle and a reader can take the files in order.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "jazzcore"

ORDER = [
    "errors",
    "runtime",
    "theory",
    "solo",
    "checks",
    "sources",
    "sandbox",
    "readers",
    "grammar",
    "dataset",
    "windows",
    "network",
    "sample",
    "model",
    "engines",
    "training",
    "keras_model",
    "persist",
    "progression",
    "postprocess",
    "midi",
    "generate",
    "course",
    "audio",
    "pianoroll",
    "quality",
    "cli",
    "app",
]
MAX_LINES = 400
LONG_REASON = "Why this module is long:"  # a longer module says why in its docstring


def library_modules() -> dict[str, Path]:
    """Module name (a subpackage counts as one: 'readers', 'app') → file, for every file."""
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE)
        if relative.name in ("__init__.py", "__main__.py") and len(relative.parts) == 1:
            continue
        found[".".join(relative.with_suffix("").parts)] = path
    return found


def jazzcore_imports(source: str, package: tuple[str, ...] = ()) -> list[tuple[str, int, bool]]:
    """(top-level jazzcore module imported, line, inside a function) for every import of a
    module's source; package: the subpackage it is in (('readers',) for readers/score.py)."""
    tree = ast.parse(source)
    inside = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            inside.update(id(n) for n in ast.walk(node) if n is not node)
    result = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level > 0:
            base = list(package[: len(package) - (node.level - 1)])
            parts = base + (node.module.split(".") if node.module else [])
            targets = [parts] if node.module else [base + [a.name] for a in node.names]
            for target in targets:
                if target:
                    result.append((target[0], node.lineno, id(node) in inside))
        elif isinstance(node, ast.ImportFrom | ast.Import):
            names = (
                [node.module] if isinstance(node, ast.ImportFrom) else [a.name for a in node.names]
            )
            for name in names:
                if name and name.split(".")[0] == "jazzcore":
                    parts = name.split(".")
                    if len(parts) > 1:
                        result.append((parts[1], node.lineno, id(node) in inside))
    return result


def test_every_module_has_a_place_in_the_order():
    tops = {name.split(".")[0] for name in library_modules()}
    assert tops <= set(ORDER), f"not in the layout's order: {sorted(tops - set(ORDER))}"


@pytest.mark.parametrize("name", sorted(library_modules()))
def test_imports_point_down_the_path(name):
    path = library_modules()[name]
    top = name.split(".")[0]
    rank = ORDER.index(top)
    for target, line, _ in jazzcore_imports(path.read_text(), _package(path)):
        if target == top:  # inside a subpackage
            continue
        assert target in ORDER, f"{path.name}:{line} imports unknown jazzcore.{target}"
        assert ORDER.index(target) < rank, (
            f"{name} ({path.name}:{line}) imports jazzcore.{target}, which comes after it"
        )


@pytest.mark.parametrize("name", sorted(library_modules()))
def test_no_jazzcore_import_hides_inside_a_function(name):
    path = library_modules()[name]
    imports = jazzcore_imports(path.read_text(), _package(path))
    hidden = [(t, line) for t, line, inside in imports if inside]
    assert not hidden, f"{path.name}: imports inside functions {hidden}"


@pytest.mark.parametrize("name", sorted(library_modules()))
def test_modules_stay_short(name):
    source = library_modules()[name].read_text()
    lines = source.count("\n")
    reason = LONG_REASON in (ast.get_docstring(ast.parse(source)) or "")
    assert lines <= MAX_LINES or reason, f"{name} has {lines} lines (at most {MAX_LINES})"


def _package(path: Path) -> tuple[str, ...]:
    return path.relative_to(PACKAGE).parts[:-1]


@pytest.mark.parametrize(
    "source, package, expected",
    [
        ("from .errors import ParameterError", (), [("errors", 1, False)]),
        ("from . import grammar, solo", (), [("grammar", 1, False), ("solo", 1, False)]),
        ("from .score import load_solo", ("readers",), [("readers", 1, False)]),
        ("from ..solo import Solo", ("readers",), [("solo", 1, False)]),
        ("def f():\n    from jazzcore.generate import x", (), [("generate", 2, True)]),
        ("import numpy\nfrom music21 import chord", (), []),
    ],
)
def test_the_checker_reads_imports_as_python_does(source, package, expected):
    assert jazzcore_imports(source, package) == expected
