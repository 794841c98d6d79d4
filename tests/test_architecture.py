"""Architecture rules of the package, checked on its source: no import cycles, no private access across
modules, small modules, short lines, and a docstring on every public definition.

The import graph is built from the AST of every module of ``spatialinno/`` and includes imports inside
functions: ``from .a import b`` is an edge to ``a`` (or to ``a.b`` when ``b`` is a submodule), ``import x.y``
an edge to ``x.y``. A cycle is a strongly connected component with more than one module (or a self-edge).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1] / "spatialinno"
PACKAGE = "spatialinno"
MAX_MODULE_LINES = 600
MAX_LINE = 120
#: private-looking names that are public protocols of other libraries
PROTOCOL = re.compile(r"^_(repr_\w+_|ipython_\w+_|asdict|replace|fields|make)$")


def _modules() -> dict[str, Path]:
    out = {}
    for path in sorted(ROOT.rglob("*.py")):
        rel = path.relative_to(ROOT.parent).with_suffix("")
        parts = list(rel.parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


MODULES = _modules()


def _is_package(name: str) -> bool:
    return MODULES[name].name == "__init__.py"


def _resolve(module: str, node: ast.ImportFrom) -> str:
    if node.level == 0:
        return node.module or ""
    base = module.split(".") if _is_package(module) else module.split(".")[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def import_edges(module: str) -> set[str]:
    """Modules of the package that ``module`` imports anywhere in its body (functions included)."""
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    edges: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == PACKAGE and alias.name in MODULES:
                    edges.add(alias.name)
        elif isinstance(node, ast.ImportFrom):
            target = _resolve(module, node)
            if target.split(".")[0] != PACKAGE:
                continue
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                if sub in MODULES:
                    edges.add(sub)
                elif target in MODULES:
                    edges.add(target)
    edges.discard(module)
    return edges


def strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's strongly connected components (iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    comps: list[list[str]] = []
    counter = 0
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            v, it = work[-1]
            advanced = False
            for u in it:
                if u not in index:
                    index[u] = low[u] = counter
                    counter += 1
                    stack.append(u)
                    on_stack.add(u)
                    work.append((u, iter(sorted(graph.get(u, ())))))
                    advanced = True
                    break
                if u in on_stack:
                    low[v] = min(low[v], index[u])
            if advanced:
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[v])
            if low[v] == index[v]:
                comp = []
                while True:
                    u = stack.pop()
                    on_stack.discard(u)
                    comp.append(u)
                    if u == v:
                        break
                comps.append(sorted(comp))
    return comps


def test_tarjan_finds_a_planted_cycle():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    cycles = [c for c in strongly_connected(graph) if len(c) > 1]
    assert cycles == [["a", "b", "c"]]


def test_no_import_cycle():
    graph = {m: import_edges(m) for m in MODULES}
    cycles = [c for c in strongly_connected(graph) if len(c) > 1]
    assert not cycles, f"import cycles: {cycles}"


def _private_uses(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    bad = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            for alias in node.names:
                if alias.name.startswith("_") and not alias.name.startswith("__"):
                    bad.append(f"line {node.lineno}: imports private name {alias.name}")
        elif isinstance(node, ast.Attribute):
            name = node.attr
            if not name.startswith("_") or name.startswith("__") or PROTOCOL.match(name):
                continue
            owner = node.value
            if isinstance(owner, ast.Name) and owner.id in ("self", "cls"):
                continue
            if isinstance(owner, ast.Call) and isinstance(owner.func, ast.Name) and owner.func.id == "super":
                continue
            bad.append(f"line {node.lineno}: accesses private attribute .{name}")
    return bad


def test_no_private_access_across_modules():
    problems = {str(p.relative_to(ROOT.parent)): b for p in MODULES.values() if (b := _private_uses(p))}
    assert not problems, problems


def test_private_access_check_can_fail(tmp_path):
    f = tmp_path / "m.py"
    f.write_text("from .x import _y\n\ndef f(w):\n    return w._cache, self_ok(w)\n", encoding="utf-8")
    assert len(_private_uses(f)) == 2


def test_module_and_line_lengths():
    long_modules = {m: n for m, p in MODULES.items() if (n := len(p.read_text(encoding="utf-8").splitlines()))
                    > MAX_MODULE_LINES}
    long_lines = [f"{p.relative_to(ROOT.parent)}:{i}" for p in MODULES.values()
                  for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1) if len(line) > MAX_LINE]
    assert not long_modules, long_modules
    assert not long_lines, long_lines


def _is_overload_stub(node: ast.AST) -> bool:
    """``@overload`` signatures: typing stubs documented by the implementation that follows them."""
    return isinstance(node, ast.FunctionDef) and any(
        isinstance(d, ast.Name) and d.id == "overload" for d in node.decorator_list)


def _public_definitions(path: Path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and not node.name.startswith("_") \
                and not _is_overload_stub(node):
            yield node.name, node
            if isinstance(node, ast.ClassDef):
                for sub in node.body:
                    if isinstance(sub, ast.FunctionDef) and not sub.name.startswith("_") and not any(
                            isinstance(d, ast.Name) and d.id == "property" or
                            isinstance(d, ast.Attribute) and d.attr == "setter" for d in sub.decorator_list):
                        yield f"{node.name}.{sub.name}", sub


def _needs_parameters(node: ast.AST) -> bool:
    """Functions with parameters besides self/cls need a Parameters section."""
    if not isinstance(node, ast.FunctionDef):
        return False
    return any(a.arg not in ("self", "cls") for a in node.args.args + node.args.kwonlyargs)


def _needs_returns(node: ast.AST) -> bool:
    """Functions that return a value (a ``return`` with an expression in their own body) need a Returns section."""
    if not isinstance(node, ast.FunctionDef):
        return False
    own = [n for n in ast.walk(node) if isinstance(n, ast.Return) and n.value is not None
           and not (isinstance(n.value, ast.Constant) and n.value.value is None)]
    nested = {id(r) for f in ast.walk(node) if f is not node and isinstance(f, (ast.FunctionDef, ast.Lambda))
              for r in ast.walk(f) if isinstance(r, ast.Return)}
    return any(id(r) not in nested for r in own)


@pytest.mark.parametrize("module", sorted(MODULES))
def test_public_definitions_have_numpydoc_docstrings(module):
    path = MODULES[module]
    missing, no_params, no_returns = [], [], []
    for name, node in _public_definitions(path):
        doc = ast.get_docstring(node)
        if not doc:
            missing.append(name)
            continue
        if _needs_parameters(node) and not re.search(r"^Parameters\n-{3,}", doc, re.M):
            no_params.append(name)
        if _needs_returns(node) and not re.search(r"^(Returns|Yields)\n-{3,}", doc, re.M):
            no_returns.append(name)
    assert not missing, f"{module}: no docstring on {missing}"
    assert not no_params, f"{module}: no Parameters section in {no_params}"
    assert not no_returns, f"{module}: no Returns section in {no_returns}"
