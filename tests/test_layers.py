"""The package's folders are its architecture: imports run one way, from the lowest layer up.

Every ``import`` in ``src/personas`` is read with :mod:`ast` (inside functions and under
``TYPE_CHECKING`` too: a typing-only import is still a dependency a reader has to follow).
A module may import from its own layer or a lower one, never a higher one, and no group of
modules may import each other in a circle. The failure message names the import to move.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "personas"

# Lowest first. A name is a top-level module or subpackage of ``personas``.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("errors", "_paths", "_atomic"),
    ("instrument",),
    ("io",),
    ("draft",),
    ("simulate",),
    ("cleaning",),
    ("weights",),
    ("segment",),
    ("compare",),
    ("embed",),
    ("run",),
    ("typing",),
    ("charts",),
    ("report",),
    ("waves",),
    ("scale",),
    ("plan",),
    ("pipeline",),
    ("_cli_output", "cli"),
    ("__main__",),
)
MAX_TOP_LEVEL_MODULES = 10


def module_names(root: Path) -> dict[str, Path]:
    """``personas.x.y`` → file, for every module of the package under ``root``."""
    names = {}
    for path in sorted(root.rglob("*.py")):
        parts = [root.name, *path.relative_to(root).with_suffix("").parts]
        if parts[-1] == "__init__":
            parts = parts[:-1]
        names[".".join(parts)] = path
    return names


def imports_of(name: str, path: Path, known: set[str]) -> list[tuple[int, str]]:
    """(line, imported module) for every import of a module of the package in ``path``."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            candidates = [f"{target}.{alias.name}" for alias in node.names] + [target]
        elif isinstance(node, ast.Import):
            candidates = [alias.name for alias in node.names]
        else:
            continue
        for candidate in candidates:
            if candidate in known and candidate != name:
                found.append((node.lineno, candidate))
                break
    return found


def _layer_of(module: str) -> int | None:
    parts = module.split(".")
    if len(parts) == 1:
        return None  # the root package: lazy re-exports and __version__ only
    for rank, names in enumerate(LAYERS):
        if parts[1] in names:
            return rank
    raise AssertionError(f"{module} is in no layer: add it to LAYERS in tests/test_layers.py")


def layer_problems(root: Path) -> list[str]:
    """Every import from a higher layer, as 'file:line imports X (layer) from Y (layer)'."""
    names = module_names(root)
    problems = []
    for name, path in names.items():
        own = _layer_of(name)
        for line, target in imports_of(name, path, set(names)):
            other = _layer_of(target)
            if other is None:
                tree = ast.parse(path.read_text(encoding="utf-8"))
                if _imports_only_version(tree, line):
                    continue
                other = len(LAYERS)  # the root's lazy names reach every layer
            if own is not None and other > own:
                problems.append(
                    f"{path.relative_to(root.parent)}:{line} imports {target} "
                    f"(layer {other}) from {name} (layer {own}): move the import, or the code "
                    "it needs, down to a lower layer"
                )
    return problems


def _imports_only_version(tree: ast.Module, line: int) -> bool:
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.lineno == line:
            return [alias.name for alias in node.names] == ["__version__"]
    return False


def circles(root: Path) -> list[list[str]]:
    """Groups of modules that import each other in a circle (Tarjan's strongly connected parts)."""
    names = module_names(root)
    known = set(names)
    graph = {
        name: sorted({t for _, t in imports_of(name, path, known)}) for name, path in names.items()
    }
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph[node]:
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in graph:
        if node not in index:
            visit(node)
    return found


def test_no_module_imports_from_a_higher_layer():
    problems = layer_problems(PACKAGE)
    assert problems == [], "\n".join(problems)


def test_no_import_circles():
    found = circles(PACKAGE)
    assert found == [], "modules importing each other in a circle: " + "; ".join(
        " <-> ".join(group) for group in found
    )


def test_the_top_level_holds_only_what_spans_stages():
    modules = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert len(modules) <= MAX_TOP_LEVEL_MODULES, modules
    every_folder = {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").is_file()}
    in_layers = {name for names in LAYERS for name in names}
    assert every_folder <= in_layers, f"subpackages in no layer: {every_folder - in_layers}"


def test_every_subpackage_says_what_its_stage_takes_and_gives():
    for init in sorted(PACKAGE.glob("*/__init__.py")):
        doc = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8")))
        assert doc and len(doc.split()) >= 15, f"{init}: a docstring saying what the stage does"


@pytest.fixture
def wrong_package(tmp_path) -> Path:
    """A tiny copy of the layout in which a low layer imports a high one, and two modules
    import each other."""
    root = tmp_path / "personas"
    for folder in ("segment", "report", "compare"):
        (root / folder).mkdir(parents=True)
        (root / folder / "__init__.py").write_text('"""x."""\n')
    (root / "__init__.py").write_text("")
    (root / "errors.py").write_text("")
    (root / "segment" / "core.py").write_text(
        "from personas.errors import x\n\n\ndef f():\n    from personas.report import render\n"
    )
    (root / "compare" / "a.py").write_text("from personas.compare import b\n")
    (root / "compare" / "b.py").write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from personas.compare.a import A\n"
    )
    return root


def test_the_layers_test_catches_an_upward_import(wrong_package):
    problems = layer_problems(wrong_package)
    assert len(problems) == 1
    assert problems[0].startswith("personas/segment/core.py:5 imports personas.report")
    assert "move the import" in problems[0]


def test_the_layers_test_catches_a_circle_even_under_type_checking(wrong_package):
    assert circles(wrong_package) == [["personas.compare.a", "personas.compare.b"]]


def command_bodies(cli_source: str) -> dict[str, int]:
    """Lines of each click command's body (after its docstring) in ``cli.py``."""
    lengths = {}
    for node in ast.parse(cli_source).body:
        if not isinstance(node, ast.FunctionDef):
            continue
        if not any("command" in ast.unparse(d) for d in node.decorator_list):
            continue
        body = node.body[1:] if isinstance(node.body[0], ast.Expr) else node.body
        lengths[node.name] = node.end_lineno - body[0].lineno + 1 if body else 0
    return lengths


def test_every_cli_command_stays_thin():
    """A command parses, calls one library function and prints: its body fits on one screen
    (issue 18 says ~25 lines); more means logic that belongs in the library."""
    lengths = command_bodies((PACKAGE / "cli.py").read_text(encoding="utf-8"))
    assert len(lengths) >= 10, lengths  # the commands were found
    fat = {name: n for name, n in lengths.items() if n > 28}
    assert not fat, f"move the logic of these commands into the library: {fat}"


def test_the_thin_cli_test_catches_a_fat_command():
    source = "@main.command()\ndef fat():\n    '''Doc.'''\n" + "    x = 1\n" * 40
    assert command_bodies(source) == {"fat": 40}
