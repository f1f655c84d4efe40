"""The house's shape: the library never imports the service, folders are where their import names say, and
starting the command line loads nothing heavy."""

from __future__ import annotations

import ast
import subprocess
import sys
from importlib import resources
from pathlib import Path

import moderation

ROOT = Path(__file__).parents[1]


def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return names


def test_the_library_never_imports_the_service():
    """No module of moderation/ (its datasets and models included) imports service, even inside a function."""
    offenders = {
        str(path.relative_to(ROOT)): sorted(n for n in _imports(path) if n == "service" or n.startswith("service."))
        for path in (ROOT / "moderation").rglob("*.py")
    }
    assert {path: names for path, names in offenders.items() if names} == {}


def test_datasets_and_models_live_where_their_import_names_say():
    """moderation.datasets and moderation.models are the folders moderation/datasets and moderation/models (links to
    the top-level catalogue and model folders), and the shipped model is found through the package."""
    import moderation.datasets
    import moderation.models

    assert Path(moderation.datasets.__file__).parent == Path(moderation.__file__).parent / "datasets"
    assert (Path(moderation.__file__).parent / "datasets").resolve() == (ROOT / "datasets").resolve()
    assert (Path(moderation.__file__).parent / "models").resolve() == (ROOT / "models").resolve()
    assert resources.files("moderation.models").joinpath("default.joblib").is_file()


def test_starting_the_command_line_loads_neither_scikit_learn_nor_flask():
    """Building the parser (what ``moderation --help`` does) imports no heavy library: the model and the web
    framework load only when a command needs them. The service's commands are there all the same."""
    probe = (
        "import sys; from moderation.cli import build_parser; parser, _ = build_parser(); "
        "heavy = sorted(m for m in ('sklearn', 'scipy', 'pandas', 'numpy', 'joblib', 'flask', 'werkzeug', "
        "'matplotlib', 'gunicorn', 'prometheus_client') if m in sys.modules); "
        "print(heavy); print(parser.format_help())"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    heavy, help_text = done.stdout.split("\n", 1)
    assert heavy == "[]"
    for command in ("score", "train", "serve", "keys", "sites", "users", "feedback", "retrain", "models"):
        assert command in help_text


def test_importing_the_packages_is_cheap():
    """``import moderation`` and ``import service`` load no model, no scikit-learn and no Flask."""
    probe = "import sys, moderation, service; print(sorted(m for m in ('sklearn', 'flask') if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
    assert "Moderator" in dir(moderation) and moderation.Moderator.__name__ == "Moderator"
