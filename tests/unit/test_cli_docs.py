"""Every command says what it does and ends its help with a runnable example."""

from __future__ import annotations

import click
import pytest

import grapevine
from grapevine.cli import cli


def _commands(group: click.Group, prefix: str = "") -> list[tuple[str, click.Command]]:
    found = []
    for name, command in sorted(group.commands.items()):
        found.append((prefix + name, command))
        if isinstance(command, click.Group):
            found += _commands(command, prefix + name + " ")
    return found


@pytest.mark.parametrize(("name", "command"), _commands(cli), ids=lambda v: v if isinstance(v, str) else "")
def test_command_has_description_and_example(name: str, command: click.Command) -> None:
    help_text = command.help or ""
    first = help_text.strip().splitlines()[0]
    assert first[0].isupper() and first.endswith("."), f"{name}: summary should be a sentence"
    assert "Example:" in help_text, f"{name}: help should end with an example"
    example = help_text.split("Example:", 1)[1]
    assert "grapevine " + name.split()[0] in example, f"{name}: the example should run this command"


def test_public_api_is_sorted_and_importable() -> None:
    assert grapevine.__all__ == sorted(grapevine.__all__)
    for name in grapevine.__all__:
        assert hasattr(grapevine, name), name
