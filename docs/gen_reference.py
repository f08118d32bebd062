"""Generate docs/reference.md from the code: the CLI from the argparse parsers, the Python API from
signatures and docstrings.

Run from the repo root:  python docs/gen_reference.py          (rewrites docs/reference.md)
                         python docs/gen_reference.py --check  (exit 1 if the file is stale)
``tests/docs/test_reference.py`` fails when the committed file differs from what this prints.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import inspect
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

TARGET = REPO / "docs" / "reference.md"

# The main entry points per package, in reading order: (module, names). Every name must exist.
API: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("engine.catalog", ("sample_catalog", "import_files", "read_datasets", "load_bars", "bars_frame")),
    ("engine.backtest", ("BacktestConfig", "run_backtest", "RunResult", "execute")),
    ("engine.audit", ("audit_run", "AuditReport", "rebuild")),
    ("engine.audit.diff", ("diff_runs",)),
    ("engine.eventlog", ("EventLog", "read_log", "verify_log", "export_checkpoint", "load_checkpoint")),
    ("engine.recording", ("Recorder", "canonical_event")),
    ("engine.training", ("TrainingConfig", "LabelSpec", "SplitSpec", "train_model")),
    ("engine.models", ("ModelCatalog", "ModelRef")),
    (
        "engine.walkforward",
        ("WalkForwardConfig", "walk_forward", "plan", "make_executor", "audit_walk_forward"),
    ),
    ("engine.walkforward", ("probabilistic_sharpe_ratio", "deflated_sharpe_ratio", "pbo_cscv")),
    ("engine.paper", ("PaperSessionConfig", "run_paper_session", "PaperResult")),
    ("engine.paper.parity", ("parity_catalog", "ParityCatalog")),
    ("engine.exchange_sim", ("ExchangeSimulator", "load_market_data")),
    ("engine.arena", ("ArenaConfig", "run_arena")),
    ("engine.metrics", ("compute_metrics", "format_summary")),
    ("engine.reports", ("render_report",)),
    ("engine.reports.loader", ("load_run_view",)),
    ("engine.lookahead", ("strategy_lookahead",)),
    ("engine.progress", ("progress", "configure_logging", "nautilus_logging_config")),
    ("engine.errors", ("LineageError",)),
    (
        "indicators",
        ("FeatureSet", "compute_features", "feature_matrix", "StreamingFeatures", "warmup_analysis"),
    ),
    ("indicators", ("forward_return_labels", "triple_barrier_labels", "feature_lookahead")),
    ("strategies.registry", ("build_strategy",)),
    ("strategies.ml", ("MLStrategy", "MLStrategyConfig")),
    ("strategies.models", ("make_model", "load_model", "Model")),
    ("strategies.agents", ("QAgent", "AgentConfig")),
    ("strategies.evolution", ("EvolutionConfig", "evolve")),
)


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def _help_of(parser: argparse.ArgumentParser, name: str) -> str:
    parent = getattr(parser, "_lineage_parent", None)
    if parent is None:
        return ""
    for action in parent._actions:
        if isinstance(action, argparse._SubParsersAction):
            for choice in action._choices_actions:
                if choice.dest == name:
                    return choice.help or ""
    return ""


def _default(value: object) -> str:
    if isinstance(value, Path):
        value = value.relative_to(REPO) if value.is_absolute() and value.is_relative_to(REPO) else value
        return f"`{value}`"
    if value is None or value is False or value == [] or value is argparse.SUPPRESS:
        return ""
    return f"`{value}`"


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def _option_rows(parser: argparse.ArgumentParser) -> list[str]:
    rows = []
    for a in parser._actions:
        if isinstance(a, argparse._HelpAction | argparse._SubParsersAction):
            continue
        if a.option_strings:
            name = ", ".join(f"`{s}`" for s in a.option_strings)
            if a.nargs != 0:
                choices = "{" + ",".join(map(str, a.choices)) + "}" if a.choices else None
                meta = a.metavar or choices or a.dest.upper()
                meta = " ".join(meta) if isinstance(meta, tuple) else meta
                name += f" `{meta}`"
        else:
            name = f"`{a.metavar or a.dest}`" + (" ..." if a.nargs in ("+", "*") else "")
        notes = []
        if a.required and a.option_strings:
            notes.append("required")
        if isinstance(a, argparse._AppendAction):
            notes.append("repeatable")
        if a.choices and a.option_strings and a.metavar:
            notes.append("one of " + ", ".join(f"`{c}`" for c in a.choices))
        help_text = (a.help or "") % {"default": a.default, "prog": parser.prog}
        if a.help is argparse.SUPPRESS:
            continue
        default = _default(a.default) if a.nargs != 0 else ""
        text = "; ".join([*notes, help_text] if help_text else notes)
        rows.append(f"| {_cell(name)} | {_cell(text)} | {default} |")
    return rows


def _cli_section(parser: argparse.ArgumentParser, path: list[str], help_text: str) -> list[str]:
    subs = _subparsers(parser)
    out = [f"### `lineage {' '.join(path)}`", ""]
    desc = help_text or ""
    if parser.description and parser.description != help_text:
        desc = f"{desc}. {parser.description}" if desc else parser.description
    if desc:
        out += [_cell(desc), ""]
    rows = _option_rows(parser)
    if rows:
        out += ["| argument | meaning | default |", "|---|---|---|", *rows, ""]
    for name, sub in subs.items():
        sub_help = next(
            (c.help or "" for a in parser._actions if isinstance(a, argparse._SubParsersAction)
             for c in a._choices_actions if c.dest == name),
            "",
        )  # fmt: skip
        out += _cli_section(sub, [*path, name], sub_help)
    return out


def cli_reference() -> list[str]:
    """Every ``lineage`` command and its options, from the parsers themselves."""
    from engine.cli import COMMANDS, build_parser

    root = build_parser(None)
    out = [
        "## Command line",
        "",
        "`lineage [--verbose|-v] COMMAND ...` — `--verbose` (before the command) shows progress bars and",
        "detail even when stderr is not a terminal, and NautilusTrader's own log (INFO). Without it,",
        "progress bars appear only on a terminal, NautilusTrader logs errors only, stdout carries only",
        "results (most commands print the run directory or model reference on the last line), and",
        "errors are one line on stderr naming file/row/field with exit code 2.",
        "",
        f"Commands ({len(COMMANDS)} modules in `engine/cli/`): "
        + ", ".join(f"[`{n}`](#lineage-{n})" for n in _subparsers(root)),
        "",
    ]
    for name, sub in _subparsers(root).items():
        help_text = next(
            (c.help or "" for a in root._actions if isinstance(a, argparse._SubParsersAction)
             for c in a._choices_actions if c.dest == name),
            "",
        )  # fmt: skip
        out += _cli_section(sub, [name], help_text)
    return out


def _inherited_from_nautilus(obj: object) -> set[str]:
    """Parameters a config class inherits from a NautilusTrader base (``StrategyConfig``...)."""
    names: set[str] = set()
    for base in getattr(obj, "__mro__", ())[1:]:
        if base.__module__.startswith("nautilus_trader") and base is not object:
            with contextlib.suppress(TypeError, ValueError):
                names |= set(inspect.signature(base).parameters)
    return names


def _signature(obj: object) -> str:
    try:
        sig = inspect.signature(obj)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return "(...)"
    inherited = _inherited_from_nautilus(obj) if inspect.isclass(obj) else set()
    parts = ["<NautilusTrader config fields>"] if inherited else []
    star_done = False
    for p in sig.parameters.values():
        if p.name == "self" or p.name in inherited:
            continue
        if p.kind is p.KEYWORD_ONLY and not star_done:
            parts.append("*")
            star_done = True
        if p.kind is p.VAR_POSITIONAL:
            parts.append(f"*{p.name}")
            star_done = True
            continue
        if p.kind is p.VAR_KEYWORD:
            parts.append(f"**{p.name}")
            continue
        if p.default is p.empty:
            parts.append(p.name)
        else:
            parts.append(f"{p.name}={_short(p.default)}")
    return "(" + ", ".join(parts) + ")"


def _short(value: object) -> str:
    if isinstance(value, Path):
        if value.is_absolute() and value.is_relative_to(REPO):
            value = value.relative_to(REPO)
        return f"'{value}'"
    if inspect.isclass(value) or callable(value):
        return getattr(value, "__name__", "...")
    text = repr(value)
    return text if len(text) <= 30 else "..."


def _first_line(obj: object) -> str:
    doc = inspect.getdoc(obj) or ""
    if inspect.isclass(obj) and doc.startswith(f"{obj.__name__}("):
        return "(dataclass; see its fields)"  # the generated dataclass docstring
    para = doc.split("\n\n", 1)[0]
    return " ".join(para.split())


def api_reference() -> list[str]:
    """The main Python entry points per package: signature and the docstring's first paragraph."""
    out = [
        "## Python API",
        "",
        "The main entry points, by package (generated from signatures and docstrings; defaults",
        "abbreviated as `...`). Configs are frozen dataclasses: build one, or pass its fields as keywords",
        "where a function says so (`run_backtest(**fields)`).",
        "",
    ]
    current = None
    for module_name, names in API:
        module = importlib.import_module(module_name)
        if module_name != current:
            out += [f"### `{module_name}`", ""]
            current = module_name
        for name in names:
            obj = getattr(module, name)
            kind = "class " if inspect.isclass(obj) else ""
            out.append(f"- `{kind}{name}{_signature(obj)}` — {_cell(_first_line(obj))}")
        out.append("")
    return out


def render() -> str:
    """The whole reference page."""
    lines = [
        "# Reference",
        "",
        "<!-- Generated by docs/gen_reference.py from the argparse parsers and docstrings: edit those,",
        "     then run `python docs/gen_reference.py`. tests/docs/test_reference.py keeps this current. -->",
        "",
        "Tutorials to read alongside: `runs/tutorial_backtest.py`, `runs/tutorial_audit.py`,",
        "`runs/tutorial_walkforward.py`, `runs/tutorial_paper.py`, `runs/demo_ml.py`. Formats and",
        "layouts: [event log](event-log.md), [run directories](runs.md), [paper trading](paper-trading.md).",
        "",
        *cli_reference(),
        *api_reference(),
    ]
    while lines and lines[-1] == "":
        lines.pop()
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Write (or with ``--check`` compare) docs/reference.md."""
    check = "--check" in (sys.argv[1:] if argv is None else argv)
    text = render()
    if check:
        current = TARGET.read_text() if TARGET.exists() else ""
        if current != text:
            print(f"{TARGET} is out of date: run python docs/gen_reference.py", file=sys.stderr)
            return 1
        return 0
    tmp = TARGET.with_suffix(".md.tmp")
    tmp.write_text(text)
    tmp.replace(TARGET)  # atomic
    print(TARGET)
    return 0


if __name__ == "__main__":
    sys.exit(main())
