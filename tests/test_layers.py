"""The layering rules, checked on the source: tabs never import each other; only app/ui imports gradio."""
from __future__ import annotations

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
UI = REPO / "app" / "ui"
NOT_UI = ["app", "ingest", "train", "experiments", "benchmarks"]  # packages that must stay gradio-free


def imported_modules(source: str, package: str) -> set[str]:
    """Every module an import statement anywhere in `source` names (function-level ones too).

    `from app.ui import tab_x` counts as "app.ui.tab_x"; relative imports are resolved
    against `package`.
    """
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parts, base] if base else parts)
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


def tab_imports_of_other_tabs(path: Path) -> set[str]:
    tabs = {f"app.ui.{p.stem}" for p in UI.glob("tab_*.py")}
    return (imported_modules(path.read_text(encoding="utf-8"), "app.ui") & tabs) - {f"app.ui.{path.stem}"}


def imports_gradio(path: Path, package: str) -> bool:
    modules = imported_modules(path.read_text(encoding="utf-8"), package)
    return any(m == "gradio" or m.startswith(("gradio.", "gradio_client")) for m in modules)


def test_the_checks_see_every_import_form():
    src = ("import gradio as gr\nfrom app.ui import tab_pair\nfrom .tab_map import build\n"
           "def f():\n    from app.ui.tab_ranking import x\n")
    found = imported_modules(src, "app.ui")
    assert {"gradio", "app.ui.tab_pair", "app.ui.tab_map", "app.ui.tab_ranking"} <= found


def test_no_tab_imports_another_tab():
    tabs = sorted(UI.glob("tab_*.py"))
    assert len(tabs) >= 8
    offenders = {p.name: sorted(bad) for p in tabs if (bad := tab_imports_of_other_tabs(p))}
    assert offenders == {}, f"tabs must share code through app/* or app/ui/common.py, not each other: {offenders}"


def test_nothing_outside_app_ui_imports_gradio():
    offenders = []
    for top in NOT_UI:
        for path in sorted((REPO / top).rglob("*.py")) if (REPO / top).is_dir() else []:
            if path.is_relative_to(UI):
                continue
            package = ".".join(path.relative_to(REPO).with_suffix("").parts[:-1])
            if imports_gradio(path, package):
                offenders.append(str(path.relative_to(REPO)))
    assert offenders == [], f"only app/ui/ may import gradio: {offenders}"
