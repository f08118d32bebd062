"""docs/reference.md is generated from the parsers and docstrings and must match the code."""

from __future__ import annotations

import argparse
import importlib.util
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def _generator():
    spec = importlib.util.spec_from_file_location("gen_reference", REPO / "docs" / "gen_reference.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _parsers(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()):
    yield path, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from _parsers(sub, (*path, name))


def test_committed_reference_is_up_to_date() -> None:
    generated = _generator().render()
    committed = (REPO / "docs" / "reference.md").read_text()
    assert committed == generated, "docs/reference.md is stale: run python docs/gen_reference.py"


def test_every_command_and_option_is_documented() -> None:
    from engine.cli import COMMANDS, build_parser

    text = (REPO / "docs" / "reference.md").read_text()
    commands = [path for path, _ in _parsers(build_parser(None)) if len(path) == 1]
    assert len(commands) == len(COMMANDS)
    for path, parser in _parsers(build_parser(None)):
        if not path:
            continue
        assert f"### `lineage {' '.join(path)}`" in text
        for action in parser._actions:
            for option in action.option_strings:
                if option not in ("-h", "--help"):
                    assert f"`{option}`" in text, (path, option)


def test_every_listed_api_name_exists_and_has_a_docstring() -> None:
    for module_name, names in _generator().API:
        module = importlib.import_module(module_name)
        for name in names:
            obj = getattr(module, name)
            assert (obj.__doc__ or "").strip(), f"{module_name}.{name} has no docstring"
