"""Architecture contracts: where Textual and Rich may be imported, and what
start-up leaves unimported.

1. Only `reader/ui/` may import Textual or Rich. Checked twice: statically
   (every import statement of every other module, also inside functions and
   `if TYPE_CHECKING:`), and by importing every non-UI module in a fresh
   interpreter and looking at `sys.modules`.
2. The package folders' `__init__.py` files import nothing, so importing one
   module of a subpackage does not drag in its siblings (lazy imports stay
   lazy).
3. The app, started on the bundled sample store, draws its first screen of
   rows before importing what start-up defers: the query engine, the Markdown
   parser, the web fetcher and extractor (and their libraries).

Each checker is a function over a root path or a module list, and is run
once on a scratch tree holding a violation, so a checker that stopped
finding anything fails too.
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "reader"
UI = PACKAGE / "ui"

FORBIDDEN_OUTSIDE_UI = ("textual", "rich")
"""Top-level packages only `reader/ui/` may import."""

SUBPROCESS_TIMEOUT = 60.0
"""Seconds a subprocess may take before the test fails."""

DEFERRED_AT_START = (
    "reader.search",
    "markdown_it",
    "httpx",
    "trafilatura",
    "reader.web.fetch",
    "reader.web.extract",
)
"""Modules (and their submodules) start-up must not import before its first
screen of rows is out."""

NEEDED_AT_START = frozenset({"reader.search", "reader.search.saved"})
"""Exceptions to `DEFERRED_AT_START`: the saved searches are shown in the
topic tree at mount (`Library.__init__` makes a `SavedSearches`), so
`reader.search.saved` (and its package, whose `__init__.py` is empty) load
at start. It imports only json, platformdirs and `reader.private`; the
engine (`reader.search.query`, `fulltext`, `bodies`) stays deferred."""


# -- helpers ----------------------------------------------------------------------


def python_files(root: Path, exclude: Iterable[Path] = ()) -> Iterator[Path]:
    """Every `*.py` file under `root`, but none under the `exclude` folders."""
    skipped = [folder.resolve() for folder in exclude]
    for path in sorted(root.rglob("*.py")):
        if "__pycache__" in path.parts:
            continue
        resolved = path.resolve()
        if any(resolved.is_relative_to(folder) for folder in skipped):
            continue
        yield path


def _is_forbidden(module: str, forbidden: Iterable[str]) -> bool:
    return any(module == name or module.startswith(name + ".") for name in forbidden)


def _dynamic_import_target(node: ast.Call) -> str | None:
    """The module named by `importlib.import_module("x")` / `__import__("x")`."""
    func = node.func
    named = (isinstance(func, ast.Name) and func.id in ("__import__", "import_module")) or (
        isinstance(func, ast.Attribute) and func.attr == "import_module"
    )
    if not named or not node.args:
        return None
    first = node.args[0]
    if isinstance(first, ast.Constant) and isinstance(first.value, str):
        return first.value
    return None


def forbidden_imports(
    root: Path,
    exclude: Iterable[Path] = (),
    forbidden: Iterable[str] = FORBIDDEN_OUTSIDE_UI,
) -> list[str]:
    """Every import of a `forbidden` package in the `*.py` files under `root`
    (outside `exclude`), anywhere in a module, as "file:line: statement"."""
    forbidden = tuple(forbidden)
    found: list[str] = []
    for path in python_files(root, exclude):
        source = path.read_text(encoding="utf-8")
        tree = ast.parse(source, filename=str(path))
        for node in ast.walk(tree):
            modules: list[str] = []
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level == 0 and node.module:
                    modules = [node.module]
            elif isinstance(node, ast.Call):
                target = _dynamic_import_target(node)
                if target:
                    modules = [target]
            if any(_is_forbidden(module, forbidden) for module in modules):
                shown = path.relative_to(root.parent) if path.is_relative_to(root.parent) else path
                statement = ast.get_source_segment(source, node) or ", ".join(modules)
                found.append(f"{shown}:{node.lineno}: {statement}")
    return found


def busy_package_inits(root: Path, *, top_level_constants: bool = True) -> list[str]:
    """Every `__init__.py` under `root` holding more than a docstring, as
    "file:line: statement".

    With `top_level_constants`, `root/__init__.py` itself may also assign
    constants (`__version__ = "..."`); it still may not import anything.
    """
    found: list[str] = []
    for path in sorted(root.rglob("__init__.py")):
        if "__pycache__" in path.parts:
            continue
        source = path.read_text(encoding="utf-8")
        body = ast.parse(source, filename=str(path)).body
        if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
            body = body[1:]  # the docstring
        for node in body:
            if (
                top_level_constants
                and path.parent == root
                and isinstance(node, (ast.Assign, ast.AnnAssign))
                and isinstance(node.value, ast.Constant)
            ):
                continue
            shown = path.relative_to(root.parent)
            found.append(f"{shown}:{node.lineno}: {ast.get_source_segment(source, node)}")
    return found


def folders_without_init(root: Path) -> list[str]:
    """Folders under `root` with Python files but no `__init__.py`: namespace
    packages, which `pkgutil.walk_packages` would not visit."""
    folders = {path.parent for path in python_files(root)}
    return sorted(str(folder) for folder in folders if not (folder / "__init__.py").exists())


IMPORT_ALL = textwrap.dedent(
    """
    import importlib, json, pkgutil, sys
    package, skip, forbidden = sys.argv[1], json.loads(sys.argv[2]), json.loads(sys.argv[3])
    root = importlib.import_module(package)
    imported, failed = [], []
    for info in pkgutil.walk_packages(root.__path__, package + "."):
        name = info.name
        if any(name == s or name.startswith(s + ".") for s in skip):
            continue
        try:
            importlib.import_module(name)
        except Exception as error:
            failed.append(f"{name}: {type(error).__name__}: {error}")
            continue
        imported.append(name)
    loaded = sorted(
        m for m in sys.modules if any(m == f or m.startswith(f + ".") for f in forbidden)
    )
    print("RESULT:" + json.dumps({"imported": imported, "failed": failed, "loaded": loaded}))
    """
)


def import_everything(
    package: str,
    skip: Iterable[str],
    forbidden: Iterable[str] = FORBIDDEN_OUTSIDE_UI,
    path: Path = REPO,
) -> dict[str, list[str]]:
    """Import every module of `package` (found from `path`) but the `skip`
    ones in a fresh interpreter: which it imported, which failed, and which
    `forbidden` modules were then in `sys.modules`."""
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            IMPORT_ALL,
            package,
            json.dumps(list(skip)),
            json.dumps(list(forbidden)),
        ],
        cwd=path,
        env={**os.environ, "PYTHONPATH": str(path)},
        capture_output=True,
        text=True,
        timeout=SUBPROCESS_TIMEOUT,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return _result_line(result.stdout)


def _result_line(stdout: str) -> Any:
    lines = [line for line in stdout.splitlines() if line.startswith("RESULT:")]
    assert lines, f"no result from the subprocess; its output:\n{stdout}"
    return json.loads(lines[-1].removeprefix("RESULT:"))


def deferred_loaded(
    modules: Iterable[str],
    deferred: Iterable[str] = DEFERRED_AT_START,
    allowed: frozenset[str] = NEEDED_AT_START,
) -> list[str]:
    """The `modules` that are (or are under) a `deferred` one, less `allowed`."""
    deferred = tuple(deferred)
    return sorted(m for m in modules if _is_forbidden(m, deferred) and m not in allowed)


def isolated_env(home: Path) -> dict[str, str]:
    """The environment for a subprocess that must read and write nothing of
    the user's: HOME and the XDG folders under `home`, no timings file."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("XDG_", "NEWSDESK_", "TEXTUAL_"))
    }
    folders = {
        "HOME": home,
        "XDG_CONFIG_HOME": home / "config",
        "XDG_DATA_HOME": home / "data",
        "XDG_CACHE_HOME": home / "cache",
        "XDG_STATE_HOME": home / "state",
        "XDG_RUNTIME_DIR": home / "runtime",
    }
    for key, folder in folders.items():
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        env[key] = str(folder)
    env["PYTHONPATH"] = str(REPO)
    return env


# -- 1. Textual and Rich only in reader/ui ------------------------------------------


def test_no_textual_or_rich_import_outside_ui() -> None:
    found = forbidden_imports(PACKAGE, exclude=[UI])
    assert not found, "Textual/Rich imported outside reader/ui/:\n" + "\n".join(found)


def test_the_static_check_sees_files_outside_ui() -> None:
    checked = list(python_files(PACKAGE, exclude=[UI]))
    assert PACKAGE / "cli.py" in checked
    assert PACKAGE / "store" / "files.py" in checked
    assert not any(path.is_relative_to(UI) for path in checked)


def test_the_static_check_finds_every_kind_of_import(tmp_path: Path) -> None:
    package = tmp_path / "pkg"
    (package / "ui").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "ui" / "__init__.py").write_text("")
    (package / "ui" / "widget.py").write_text("from textual.widget import Widget\n")
    (package / "clean.py").write_text("import json\nimport richer\nfrom pkg import rich\n")
    (package / "bad.py").write_text(
        textwrap.dedent(
            """\
            from __future__ import annotations

            import os, textual
            from typing import TYPE_CHECKING

            if TYPE_CHECKING:
                from rich.text import Text


            def late():
                import rich.console
                from textual import events
                import importlib
                return importlib.import_module("textual.app"), __import__("rich")
            """
        )
    )
    found = forbidden_imports(package, exclude=[package / "ui"])
    lines = sorted(int(entry.split(":")[1]) for entry in found)
    assert lines == [3, 7, 11, 12, 14, 14], found
    assert all(entry.startswith(os.path.join("pkg", "bad.py") + ":") for entry in found)


def test_non_ui_modules_import_without_textual_or_rich() -> None:
    result = import_everything("reader", skip=["reader.ui", "reader.__main__"])
    assert not result["failed"], "modules that failed to import:\n" + "\n".join(result["failed"])
    assert "reader.cli" in result["imported"]
    assert "reader.store.files" in result["imported"]
    assert not any(name.startswith("reader.ui") for name in result["imported"])
    assert not result["loaded"], f"importing reader's non-UI modules loaded {result['loaded']}"


def test_every_non_ui_file_is_imported_by_the_walk() -> None:
    """`pkgutil.walk_packages` visits every module the static check reads."""
    assert not folders_without_init(PACKAGE), folders_without_init(PACKAGE)


def test_the_import_check_finds_a_module_that_imports_textual(tmp_path: Path) -> None:
    package = tmp_path / "scratchpkg"
    (package / "inner").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "inner" / "__init__.py").write_text("")
    (package / "inner" / "sneaky.py").write_text("def f():\n    pass\n\nimport textual\n")
    result = import_everything("scratchpkg", skip=[], path=tmp_path)
    assert result["imported"] == ["scratchpkg.inner", "scratchpkg.inner.sneaky"]
    assert "textual" in result["loaded"]


def test_package_inits_are_empty_or_a_docstring() -> None:
    found = busy_package_inits(PACKAGE)
    assert not found, "package __init__.py files with code:\n" + "\n".join(found)


def test_the_init_check_finds_code(tmp_path: Path) -> None:
    package = tmp_path / "pkg"
    (package / "sub" / "deeper").mkdir(parents=True)
    (package / "__init__.py").write_text('"""Doc."""\n\n__version__ = "1"\nimport os\n')
    (package / "sub" / "__init__.py").write_text('"""Only a docstring."""\n')
    (package / "sub" / "deeper" / "__init__.py").write_text("from .x import y\n")
    found = busy_package_inits(package)
    assert found == [
        f"{os.path.join('pkg', '__init__.py')}:4: import os",
        f"{os.path.join('pkg', 'sub', 'deeper', '__init__.py')}:1: from .x import y",
    ]


# -- 2. start-up defers what the first screen does not need -----------------------

FIRST_SCREEN = textwrap.dedent(
    """
    import asyncio, importlib.abc, json, sys, threading, time
    from pathlib import Path

    import reader.timings

    work, timeout, index_file = Path(sys.argv[1]), float(sys.argv[2]), sys.argv[3]
    deferred = tuple(json.loads(sys.argv[4]))
    snapshots = []
    origins = {}

    class Tracer(importlib.abc.MetaPathFinder):
        # Where each deferred module was first imported from (reader's frames).
        def find_spec(self, name, path, target=None):
            if name not in origins and any(
                name == d or name.startswith(d + ".") for d in deferred
            ):
                frame, where = sys._getframe(1), []
                while frame is not None and len(where) < 4:
                    code = frame.f_code
                    if "/reader/" in code.co_filename and "importlib" not in code.co_filename:
                        short = code.co_filename.split("/reader/", 1)[1]
                        where.append(f"reader/{short}:{frame.f_lineno} {code.co_name}")
                    frame = frame.f_back
                thread = threading.current_thread().name
                origins[name] = f"[{thread}] " + " <- ".join(where)
            return None

    sys.meta_path.insert(0, Tracer())

    def mark(event, **data):
        if event == "first_screen" and not snapshots:
            snapshots.append(sorted(sys.modules))

    reader.timings.mark = mark
    reader.timings.enabled = lambda: True

    from reader.store.files import SAMPLE_STORE
    from reader.triage.state import State
    from reader.ui.app import NewsdeskApp

    index = None
    if index_file:
        from reader.store.index import StoreIndex
        index = StoreIndex(SAMPLE_STORE, Path(index_file))

    async def run(state):
        app = NewsdeskApp(SAMPLE_STORE, state=state, title="sample store", index=index)
        async with app.run_test(size=(120, 40)) as pilot:
            deadline = time.monotonic() + timeout
            while not snapshots and time.monotonic() < deadline:
                await pilot.pause()
            app.exit()

    state = State(work / "state.sqlite3")
    try:
        asyncio.run(run(state))
    finally:
        state.close()
        if index is not None:
            index.close()
    modules = snapshots[0] if snapshots else None
    print("RESULT:" + json.dumps({"modules": modules, "origins": origins}))
    """
)

FILL_INDEX = textwrap.dedent(
    """
    import sys
    from pathlib import Path

    from reader.store.files import SAMPLE_STORE
    from reader.store.index import StoreIndex
    from reader.store.loader import stream_store

    index = StoreIndex(SAMPLE_STORE, Path(sys.argv[1]))
    try:
        for _ in stream_store(SAMPLE_STORE, index=index):
            pass
        print("RESULT:" + str(index.count()))
    finally:
        index.close()
    """
)


def run_script(script: str, *args: str, work: Path) -> Any:
    """Run `script` in a fresh interpreter that sees nothing of the user's
    (HOME and XDG folders under `work`); the JSON it printed after "RESULT:"."""
    result = subprocess.run(
        [sys.executable, "-c", script, *args],
        cwd=work,
        env=isolated_env(work / "home"),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=SUBPROCESS_TIMEOUT,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return _result_line(result.stdout)


def first_screen_modules(work: Path, index_file: Path | None = None) -> dict[str, Any]:
    """The modules loaded when the app, started on the sample store, marked
    its first screen (`modules`: None if it never did), and where each
    deferred module that was imported at all came from (`origins`)."""
    return run_script(
        FIRST_SCREEN,
        str(work),
        str(SUBPROCESS_TIMEOUT / 2),
        str(index_file or ""),
        json.dumps(DEFERRED_AT_START),
        work=work,
    )


def check_first_screen(result: dict[str, Any]) -> None:
    modules = result["modules"]
    assert modules is not None, "the app never marked its first screen"
    # The snapshot is of the running app: a mark patched in vain, or taken
    # too early, would not hold these.
    assert "reader.ui.app" in modules
    assert "textual.app" in modules
    assert "reader.store.files" in modules
    early = deferred_loaded(modules)
    where = "\n".join(f"  {name}: {result['origins'].get(name, '?')}" for name in early)
    assert not early, f"imported before the first screen was drawn:\n{where}"


def test_start_up_defers_the_engine_parsers_and_web(tmp_path: Path) -> None:
    """A first start, as `newsdesk` with no index yet: the first screen
    comes from the loader."""
    check_first_screen(first_screen_modules(tmp_path))


def test_warm_start_up_defers_the_engine_parsers_and_web(tmp_path: Path) -> None:
    """A start from a filled index (`StoreIndex`): the first screen comes
    from the index's newest rows."""
    index_file = tmp_path / "index.sqlite3"
    assert int(run_script(FILL_INDEX, str(index_file), work=tmp_path)) > 0
    check_first_screen(first_screen_modules(tmp_path, index_file))


def test_the_start_up_check_finds_a_deferred_module() -> None:
    modules = [
        "json",
        "reader.search",
        "reader.search.saved",
        "reader.searching",
        "reader.web",
        "reader.web.urls",
        "httpxx",
    ]
    assert deferred_loaded(modules) == []
    late = ["reader.search.query", "markdown_it.main", "httpx", "trafilatura", "reader.web.extract"]
    assert deferred_loaded(modules + late) == sorted(late)
    assert deferred_loaded(["reader.search.fulltext", "reader.web.fetch"]) == [
        "reader.search.fulltext",
        "reader.web.fetch",
    ]
