"""The script environment: named helpers only, no builtins, no imports, no dunder access.

SpiffWorkflow runs scripts, conditions and timer expressions with plain eval/exec; restricted
builtins alone were escaped in a test (design.md §3), so every source is also checked on its
AST before it runs: no import, no def/class, no name or attribute starting with "_", and
attribute access only to an allow-list of harmless methods (no `.format`, frames, `mro`).
"""

from __future__ import annotations

import ast
import builtins
from collections.abc import Callable

# Pure functions a script may call besides the engine's helpers.
SAFE_BUILTINS: dict[str, object] = {
    "len": len, "min": min, "max": max, "sorted": sorted, "sum": sum, "any": any, "all": all,
    "abs": abs, "round": round, "str": str, "int": int, "bool": bool, "list": list,
    "dict": dict, "set": set, "range": range, "zip": zip, "enumerate": enumerate,
    "float": float, "isinstance": isinstance, "tuple": tuple, "reversed": reversed,
    "map": map, "filter": filter, "divmod": divmod, "frozenset": frozenset,
}
# Python builtins a script does not get (print, vars, open, getattr, type, …): the check
# refuses them by name, since at run time they would raise NameError (or escape).
WITHHELD = frozenset(name for name in dir(builtins) if name not in SAFE_BUILTINS)

# Methods of str / list / dict that cannot reach an object's internals.
ALLOWED_ATTRIBUTES = frozenset({
    "get", "keys", "values", "items", "append", "extend", "pop", "copy", "update", "count",
    "index", "strip", "lstrip", "rstrip", "startswith", "endswith", "lower", "upper", "split",
    "join", "replace", "isdigit", "setdefault",
})

FORBIDDEN_NODES = (
    ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef,
    ast.Global, ast.Nonlocal, ast.Yield, ast.YieldFrom, ast.Await, ast.AsyncFor,
    ast.AsyncWith, ast.With, ast.Try, ast.Raise,
)


class ScriptRefused(Exception):
    """A script or expression uses something the sandbox does not allow."""


def _assigned(tree: ast.AST) -> set[str]:
    """Names the source itself binds (a variable may shadow a withheld builtin)."""
    return {node.id for node in ast.walk(tree)
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store)}


def check_source(source: str, mode: str = "exec", provided: frozenset[str] = frozenset()) -> ast.AST:
    """Parse and vet a script (mode 'exec') or expression (mode 'eval'); raise ScriptRefused.

    What the check accepts is what the run time allows: the same node and attribute rules,
    and builtins the sandbox withholds are refused by name (`provided` names helpers).
    """
    try:
        tree = ast.parse(source, mode=mode)
    except SyntaxError as exc:
        raise ScriptRefused(f"语法错误 / syntax error: {exc.msg} (line {exc.lineno})") from None
    bound = _assigned(tree) | provided
    for node in ast.walk(tree):
        if isinstance(node, ast.Delete) and not all(
                isinstance(t, ast.Name | ast.Subscript) for t in node.targets):
            raise ScriptRefused("不允许的语句 / statement not allowed: del of an attribute")
        if (isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load)
                and node.id in WITHHELD and node.id not in bound):
            raise ScriptRefused(f"沙箱不提供 / not available in the sandbox: {node.id}")
        if isinstance(node, FORBIDDEN_NODES):
            raise ScriptRefused(f"不允许的语句 / statement not allowed: {type(node).__name__}")
        if isinstance(node, ast.Name) and node.id.startswith("_"):
            raise ScriptRefused(f"不允许的名称 / name not allowed: {node.id}")
        if isinstance(node, ast.Attribute) and node.attr not in ALLOWED_ATTRIBUTES:
            raise ScriptRefused(f"不允许的属性 / attribute not allowed: .{node.attr}")
        if isinstance(node, ast.keyword) and node.arg and node.arg.startswith("_"):
            raise ScriptRefused(f"不允许的参数 / keyword not allowed: {node.arg}")
    return tree


class Sandbox:
    """Compiles vetted sources once and runs them with helpers and no builtins."""

    def __init__(self, helpers: dict[str, Callable]) -> None:
        self.helpers = {**SAFE_BUILTINS, **helpers}
        self._compiled: dict[tuple[str, str], object] = {}

    def compiled(self, source: str, mode: str):
        """Vetted, cached code object for a source (raises ScriptRefused)."""
        key = (source, mode)
        code = self._compiled.get(key)
        if code is None:
            tree = check_source(source, mode, frozenset(self.helpers))
            code = compile(tree, "<string>", mode)
            self._compiled[key] = code
        return code

    def _scope(self, context: dict, extra: dict | None) -> dict:
        scope = {"__builtins__": {}}
        scope.update(self.helpers)
        scope.update(extra or {})
        scope.update(context)
        return scope

    def evaluate(self, expression: str, context: dict, extra: dict | None = None):
        """Value of an expression over the task data."""
        return eval(self.compiled(expression.strip(), "eval"), self._scope(context, extra))  # noqa: S307

    def execute(self, script: str, context: dict, extra: dict | None = None) -> None:
        """Run a script; its new or changed plain variables become task data."""
        scope = self._scope(context, extra)
        exec(self.compiled(script, "exec"), scope)  # noqa: S102
        for key in list(context):
            if key not in scope:
                del context[key]
        for key, value in scope.items():
            if key == "__builtins__" or callable(value):
                continue  # helpers and any lambda never become data
            if key in (extra or {}) and value is extra[key]:
                continue
            context[key] = value
