"""The shape of the code (issue 11), checked on every run.

- Pure rules (bot/core/, and a feature's rules.py) import no framework: no telegram, aiosqlite,
  jinja2 or aiohttp.
- Only the Telegram layer (bot/telegram/), the handlers (a feature's handlers.py) and the
  composition root (bot/app.py) import telegram.
- SQL only in store modules (store.py, *_store.py, a store/ package) and bot/db/ (the database and
  its migrations).
- No import cycle between the bot's modules, type-only imports included.
- No module over 500 lines.

bot/fakeapi/ is the fake Bot API used by the tests and the demo, not the bot: it is left out of
the first three rules (it is an HTTP server) but not of the size limit. KNOWN lists what is not
there yet; each entry must still be true (the list only shrinks).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BOT = ROOT / "bot"
FRAMEWORKS = ("telegram", "aiosqlite", "jinja2", "aiohttp")
SQL = re.compile(
    r"\b(SELECT\s.+\sFROM|INSERT\s+INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM|CREATE\s+TABLE|"
    r"PRAGMA\s+\w+)\b",
    re.IGNORECASE | re.DOTALL,
)
MAX_LINES = 500

# Not there yet (module, rule). Remove an entry when it is fixed; the test fails on a stale one.
KNOWN: set[tuple[str, str]] = set()


def modules() -> Iterator[tuple[str, Path]]:
    for path in sorted(BOT.rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        yield name, path


def imports(path: Path) -> set[str]:
    """Every module a file imports, at any place in it (TYPE_CHECKING blocks included)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def is_rules(name: str) -> bool:
    return name.startswith("bot.core") or name.endswith(".rules")


def may_import_telegram(name: str) -> bool:
    return (
        name.startswith("bot.telegram")
        or name.endswith(".handlers")
        or name in ("bot.app", "bot.demo", "bot.__main__")
    )


def is_store(name: str, path: Path) -> bool:
    leaf = name.rsplit(".", 1)[-1]
    return (
        leaf == "store" or leaf.endswith("_store") or ".store." in name or name.startswith("bot.db")
    )


def strings(path: Path) -> Iterator[str]:
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            yield node.value
        elif isinstance(node, ast.JoinedStr):
            yield "".join(v.value for v in node.values if isinstance(v, ast.Constant))


def violations() -> set[tuple[str, str]]:
    found: set[tuple[str, str]] = set()
    graph: dict[str, set[str]] = {}
    names = {name for name, _ in modules()}
    for name, path in modules():
        if len(path.read_text(encoding="utf-8").splitlines()) > MAX_LINES:
            found.add((name, "size"))
        if name.startswith("bot.fakeapi"):
            continue
        imported = imports(path)
        roots = {i.split(".")[0] for i in imported}
        if is_rules(name) and roots & set(FRAMEWORKS):
            found.add((name, "framework in rules"))
        if "telegram" in roots and not may_import_telegram(name):
            found.add((name, "telegram"))
        if not is_store(name, path) and any(SQL.search(s) for s in strings(path)):
            found.add((name, "sql"))
        graph[name] = {i for i in imported if i in names and i != name}
    for cycle in cycles(graph):
        found.add((" -> ".join(cycle), "cycle"))
    return found


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One cycle per strongly connected component of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    result: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                result.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return result


def test_the_code_keeps_its_shape() -> None:
    found = violations()
    new = sorted(found - KNOWN)
    stale = sorted(KNOWN - found)
    assert not new, "the code broke its shape (see the module docstring):\n" + "\n".join(
        f"  {module}: {rule}" for module, rule in new
    )
    assert not stale, "fixed, remove from KNOWN:\n" + "\n".join(f"  {m}: {r}" for m, r in stale)


def test_the_checks_catch_what_they_are_for(tmp_path: Path) -> None:
    """Each rule fires on a small example: a check that can never fail proves nothing."""
    sample = tmp_path / "sample.py"
    sample.write_text(
        "import telegram\nfrom aiosqlite import Row\nQUERY = 'SELECT id FROM candidates'\n",
        encoding="utf-8",
    )
    assert {"telegram", "aiosqlite", "aiosqlite.Row"} <= imports(sample)
    assert any(SQL.search(s) for s in strings(sample))
    assert not any(SQL.search(s) for s in ["Sélectionne une date", "update your answers"])
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []
    assert is_rules("bot.core.flow") and is_rules("bot.sessions.rules")
    assert may_import_telegram("bot.sessions.handlers") and not may_import_telegram("bot.sessions")
