"""``moderation`` command line: thin wrappers that parse, call the library, and print.

The library's subcommands are ``score`` (the shipped model on text, a file or standard input), ``train``,
``evaluate`` and ``datasets``. Other packages add theirs through the entry-point group ``moderation.commands``: each
entry point is a function ``add_commands(subparsers)`` that adds subparsers (each setting ``func``, a handler
``handler(args) -> exit code``) and returns the exception types its commands raise on purpose. The service registers
``serve``, ``keys``, ``sites``, ``users``, ``feedback``, ``retrain`` and ``models`` this way (``service.cli``), so the
library never imports the service.

Every failure is reported the same way, on standard error: ``moderation: error: <what is wrong and what to do>``,
with exit code 2 for a command line that cannot run as given (argparse's own errors and :class:`UsageError`) and 1
for everything else (bad files, unknown models, a missing optional dependency...).

Nothing heavy is imported until a command runs, so ``moderation --help`` answers at once.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, NoReturn

from .errors import InvalidDataError, ModerationError

__all__ = ["main", "build_parser", "UsageError", "error", "COMMAND_GROUP"]

#: The entry-point group other packages add subcommands through.
COMMAND_GROUP = "moderation.commands"


class UsageError(Exception):
    """A command line that cannot run as given (exit code 2); raised by handlers for what argparse cannot check."""


def error(message: str) -> int:
    """Report a failure the one way every command does; return the exit code (1)."""
    print(f"moderation: error: {message}", file=sys.stderr)
    return 1


class _Parser(argparse.ArgumentParser):
    """argparse with the one error style: usage, then ``moderation: error: ...``, exit code 2."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(2, f"moderation: error: {message}\n")


# -- score ---------------------------------------------------------------------------------------------------


def _read_lines(path: str) -> list[dict[str, Any]]:
    """Comments one per line, from standard input (``-``) or a text file."""
    if path == "-":
        return [{"text": line.rstrip("\n")} for line in sys.stdin if line.strip()]
    p = Path(path)
    if not p.is_file():
        raise InvalidDataError(f"{path}: no such file")
    try:
        return [{"text": line} for line in p.read_text(encoding="utf-8").splitlines() if line.strip()]
    except UnicodeDecodeError as exc:
        raise InvalidDataError(f"{path}: not valid UTF-8 (byte {exc.start}); re-save it as UTF-8") from None


def _score_archive(args: argparse.Namespace) -> int:
    from .archive import score_file

    keep = [c.strip() for c in args.keep.split(",") if c.strip()] if args.keep is not None else None
    out = args.out or "-"
    fmt = args.format if args.format in ("csv", "json") and out == "-" else None
    summary = score_file(
        args.file,
        out,
        model=args.model,
        text_column=args.text_column,
        keep=keep,
        reasons=bool(args.reasons),
        chunk_size=args.chunk_size,
        jobs=args.jobs,
        output_format={"json": "jsonl", "csv": "csv"}.get(fmt or ""),
        progress=None if args.progress is None else args.progress,
    )
    if out != "-":
        counts = ", ".join(f"{n:,} {v}" for v, n in sorted(summary.verdicts.items()))
        print(f"scored {summary.rows:,} comments in {summary.seconds:.1f} s ({counts}); wrote {out}",
              file=sys.stderr)
    return 0


#: What a spreadsheet reads as the start of a formula (OWASP's list for CSV injection).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _csv_text(value: str) -> str:
    """A comment's text as a CSV cell a spreadsheet shows as text: a leading ``'`` before a formula character, so
    ``=HYPERLINK(...)`` or ``=cmd|...`` written by a commenter is never run by whoever opens the file."""
    return "'" + value if value.startswith(_FORMULA_STARTS) else value


def _cmd_score(args: argparse.Namespace) -> int:
    from .moderator import Comment, Moderator

    from .tables import table_kind

    if args.file and args.file != "-" and table_kind(args.file) is not None:
        return _score_archive(args)
    if args.out or args.keep is not None or args.jobs != 1:
        raise UsageError("--out, --keep and --jobs need a --file that is .csv, .tsv, .jsonl or .parquet")
    if args.file:
        items = _read_lines(args.file)
    elif args.text:
        items = [{"text": t} for t in args.text]
    elif not sys.stdin.isatty():
        items = _read_lines("-")
    else:
        raise UsageError("give comment text as arguments, --file FILE, or lines on standard input")
    args.no_reasons = args.reasons is False
    args.format = args.format or "table"
    moderator = Moderator.load(args.model)
    results = []
    for item in items:
        comment = Comment.coerce({k: v for k, v in item.items() if v not in ("", None)} | {"text": item.get("text", "")})
        results.append((comment.text, moderator.score(comment, explain=not args.no_reasons)))
    if args.format == "json":
        for text, scores in results:
            print(json.dumps({"text": text, **scores.to_dict()}, ensure_ascii=False))
        return 0
    if args.format == "csv":
        import csv

        writer = csv.writer(sys.stdout)
        writer.writerow(["text", *moderator.labels, "verdict", "reasons"])
        for text, scores in results:
            reasons = "; ".join(f"{r.label}: {r.description}" for r in scores.reasons)
            writer.writerow([_csv_text(text), *(f"{scores[label]:.4f}" for label in moderator.labels),
                             scores.verdict.value, _csv_text(reasons)])
        return 0
    width = max(len(label) for label in moderator.labels)
    for text, scores in results:
        shown = text if len(text) <= 100 else text[:97] + "..."
        print(f"{scores.verdict.value.upper():8} {shown}")
        for label in moderator.labels:
            mark = " *" if label in scores.flagged else ""
            print(f"         {label:<{width}} {scores[label]:.3f}{mark}")
        for reason in scores.reasons:
            print(f"         why ({reason.label}): {reason.description}")
        print()
    print(f"model {moderator.version}", file=sys.stderr)
    return 0


# -- train / evaluate ----------------------------------------------------------------------------------------


def _cmd_train(args: argparse.Namespace) -> int:
    from .files import sha256_file
    from .training import Source, train

    params: dict[str, Any] = {}
    if args.n_features:
        params["n_features"] = args.n_features
    if args.recipe:
        from .recipes import build_sources, recipe

        chosen = recipe(args.recipe)
        sources = build_sources(chosen, args.data_dir)
        params = {**chosen.params, **params}
        model = train(sources, labels=chosen.labels, params=params, recipe=chosen.name,
                      threshold_sources=chosen.threshold_sources,
                      precision=chosen.precision, validation=args.validation, seed=args.seed,
                      informational=chosen.informational, flag_rates=chosen.flag_rates,
                      extra_metadata={"recipe_description": chosen.description,
                                      "commercial_use": chosen.commercial_only,
                                      **({"spam_metadata": list(chosen.spam_metadata)} if chosen.spam_metadata else {})})
    else:  # argparse requires one of --recipe and --data
        from .training import read_labeled

        sources = []
        for path in args.data:
            frame = read_labeled(path, args.labels, text_column=args.text_column, require_both_classes=False)
            sources.append(Source(Path(path).stem, frame, sha256={Path(path).name: sha256_file(path)}))
        model = train(sources, labels=args.labels, params=params, validation=args.validation, seed=args.seed)
    sidecar = model.save(args.out)
    print(f"wrote {args.out} ({sidecar['size_bytes'] / 1e6:.1f} MB), model {sidecar['model_id']}")
    for label, metrics in sidecar["metrics"].get("validation", {}).items():
        t = sidecar["thresholds"][label]
        print(f"  {label:16} validation ROC AUC {metrics.get('roc_auc', float('nan')):.3f}  "
              f"hold >= {t['hold']:.3f}  reject >= {t['reject']:.3f}")
    return 0


def _cmd_evaluate(args: argparse.Namespace) -> int:
    from .moderator import Moderator
    from .training import evaluate

    moderator = Moderator.load(args.model)
    label_map = {}
    for pair in args.label_map or []:
        if "=" not in pair:
            raise UsageError(f"--label-map takes COLUMN=LABEL, got {pair!r}")
        column, label = pair.split("=", 1)
        label_map[column] = label
    report = evaluate(moderator, args.file, label_map=label_map or None)
    print(f"model {report['model']} on {args.file} ({report['rows']} rows)")
    print(f"{'label':16} {'n':>6} {'pos':>5} {'ROC AUC':>8} {'AP':>6} {'Brier':>6}  "
          f"{'P@hold':>6} {'R@hold':>6} {'F1@hold':>7}  {'P@rej':>6} {'R@rej':>6} {'F1@rej':>6}")
    for label, m in report["labels"].items():
        hold, rej = m.get("hold", {}), m.get("reject", {})
        print(f"{label:16} {m['n']:>6} {m['positives']:>5} {m.get('roc_auc', float('nan')):>8.3f} "
              f"{m.get('average_precision', float('nan')):>6.3f} {m['brier']:>6.3f}  "
              f"{hold.get('precision', 0):>6.3f} {hold.get('recall', 0):>6.3f} {hold.get('f1', 0):>7.3f}  "
              f"{rej.get('precision', 0):>6.3f} {rej.get('recall', 0):>6.3f} {rej.get('f1', 0):>6.3f}")
    if args.out:
        from .files import write_atomically

        write_atomically(args.out, json.dumps(report, indent=2, default=str) + "\n")
        print(f"wrote {args.out}")
    return 0


# -- datasets ------------------------------------------------------------------------------------------------


def _cmd_datasets(args: argparse.Namespace) -> int:
    from . import datasets

    if args.action == "list":
        try:
            present = set(datasets.available(args.data_dir))
        except ModerationError:
            present = set()
        for entry in datasets.catalogue():
            mark = "present" if entry.id in present else "missing"
            commercial = "commercial ok" if entry.commercial_use else "non-commercial/unclear"
            print(f"{entry.id:20} {mark:8} {entry.license:24} {commercial:24} {entry.title}")
        return 0
    if args.action == "fetch":
        if not args.names:
            raise UsageError("name the dataset(s) to fetch: moderation datasets fetch NAME [NAME ...]")
        target = args.data_dir or os.environ.get("MODERATION_DATA") or "data"
        for name in args.names:
            datasets.fetch(name, target)
            print(f"fetched {name} into {target}")
        return 0
    raise UsageError(f"unknown datasets action {args.action!r}")


# -- parser --------------------------------------------------------------------------------------------------


def _library_commands(sub: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    p = sub.add_parser("score", help="score comments with a model (default: the shipped one)")
    p.add_argument("text", nargs="*", help="comment text(s); or use --file, or pipe lines on standard input")
    p.add_argument("--file", "-f", help="a .csv/.tsv/.jsonl/.parquet archive with a text column (scored in chunks), "
                   "a text file (one comment a line) or -")
    p.add_argument("--text-column", default="text", help="text column of --file (default: text)")
    p.add_argument("--model", "-m", help="model file (default: $MODERATION_MODEL or the shipped model)")
    p.add_argument("--format", choices=["table", "json", "csv"], default=None,
                   help="what to print: table (default for texts), csv (default for --file) or json (JSON Lines)")
    p.add_argument("--out", "-o", metavar="PATH",
                   help="with --file: write here (.csv/.tsv/.jsonl/.parquet) instead of standard output; "
                   "written whole or not at all")
    p.add_argument("--keep", metavar="COLUMNS",
                   help="with --file: input columns copied to the output, e.g. id,article_id "
                   "(default: every column but the text)")
    p.add_argument("--jobs", "-j", type=int, default=1, help="with --file: processes scoring at once (default 1)")
    p.add_argument("--chunk-size", type=int, default=5_000, help="with --file: rows per chunk (default 5000)")
    reasons = p.add_mutually_exclusive_group()
    reasons.add_argument("--reasons", dest="reasons", action="store_true", default=None,
                         help="explain flagged comments (default for texts; off for --file, where it is slower)")
    reasons.add_argument("--no-reasons", dest="reasons", action="store_false", help="skip explanations (faster)")
    progress = p.add_mutually_exclusive_group()
    progress.add_argument("--progress", dest="progress", action="store_true", default=None,
                          help="with --file: show a progress bar (default: when standard error is a terminal)")
    progress.add_argument("--no-progress", dest="progress", action="store_false")
    p.set_defaults(func=_cmd_score)

    p = sub.add_parser("train", help="train a model from a recipe or labeled files")
    data = p.add_mutually_exclusive_group(required=True)
    data.add_argument("--recipe", help="a named recipe over the shared datasets: default or commercial")
    data.add_argument("--data", nargs="+", metavar="FILE", help="labeled .csv/.tsv/.jsonl/.parquet files")
    p.add_argument("--labels", nargs="+", help="label columns to learn (default: known label names present)")
    p.add_argument("--text-column", default="text")
    p.add_argument("--data-dir", help="shared datasets directory (default: $MODERATION_DATA or ../shared/datasets)")
    p.add_argument("--out", "-o", default="model.joblib", help="where to write the model (and its .json sidecar)")
    p.add_argument("--validation", type=float, default=0.2, help="share held out to choose thresholds (default 0.2)")
    p.add_argument("--n-features", type=int, help="hashed feature buckets (a power of two)")
    p.add_argument("--seed", type=int, default=0)
    p.set_defaults(func=_cmd_train)

    p = sub.add_parser("evaluate", help="metrics of a model on a labeled file")
    p.add_argument("file", help="labeled .csv/.tsv/.jsonl/.parquet with a text column")
    p.add_argument("--model", "-m", help="model file (default: the shipped one)")
    p.add_argument("--label-map", nargs="+", metavar="COLUMN=LABEL", help="score COLUMN with the model's LABEL")
    p.add_argument("--out", "-o", help="also write the report as JSON here")
    p.set_defaults(func=_cmd_evaluate)

    p = sub.add_parser("datasets", help="the dataset catalogue: list, fetch")
    p.add_argument("action", choices=["list", "fetch"])
    p.add_argument("names", nargs="*")
    p.add_argument("--data-dir")
    p.set_defaults(func=_cmd_datasets)


def _providers() -> Iterable[Callable[..., Any]]:
    """The ``add_commands`` functions registered under :data:`COMMAND_GROUP`, in name order."""
    from importlib.metadata import entry_points

    for entry in sorted(entry_points(group=COMMAND_GROUP), key=lambda e: e.name):
        yield entry.load()


def _version() -> str:
    import platform

    from . import __version__

    from importlib.metadata import PackageNotFoundError, version

    try:
        sklearn = version("scikit-learn")
    except PackageNotFoundError:  # an unusual install without metadata: the line still names the library
        sklearn = "unknown"
    return f"moderation {__version__} (scikit-learn {sklearn}, Python {platform.python_version()})"


def build_parser() -> tuple[argparse.ArgumentParser, tuple[type[BaseException], ...]]:
    """The ``moderation`` parser with every provider's commands, and the exception types they report as errors."""
    parser = _Parser(
        prog="moderation",
        description="Score reader comments for spam and abuse; train and evaluate models; run the service.",
    )
    parser.add_argument("--version", action="version", version=_version())
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _library_commands(sub)
    reported: list[type[BaseException]] = [ModerationError]
    for add_commands in _providers():
        reported.extend(add_commands(sub) or ())
    return parser, tuple(reported)


def main(argv: Sequence[str] | None = None) -> int:
    parser, reported = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except UsageError as exc:
        error(str(exc))
        return 2
    except reported as exc:
        return error(str(exc))
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
