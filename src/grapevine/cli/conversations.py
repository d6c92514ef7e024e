"""Conversation commands: one thread as a tree, the list of conversations with their metrics."""

from __future__ import annotations

import shutil
from typing import Any

import click
import orjson

from grapevine.care import LEVELS
from grapevine.cli._app import AppContext, cli, pass_app
from grapevine.cli._output import echo_rows, format_option
from grapevine.conversations import SORTS, list_conversations, list_thread_problems, thread_tree

MAX_INDENT = 24  # tree levels drawn with indentation; deeper ones show their depth instead
LIST_COLUMNS = (
    "platform",
    "conversation_key",
    "turns",
    "participants",
    "depth",
    "breadth",
    "started_at",
    "duration",
    "complete",
    "brand",
    "worst_state",
    "unanswered_customers",
    "root_author",
    "root_text",
)


@cli.command()
@click.argument("post_id")
@click.option("--platform", help="The post's platform, when the id exists on several.")
@format_option(choices=("table", "json"))
@pass_app
def thread(app: AppContext, post_id: str, platform: str | None, fmt: str) -> None:
    """Print the conversation holding POST_ID as a reply tree, each turn with its sentiment and emotion.

    The whole conversation is shown from its root, POST_ID marked with ">"; a parent that is
    not in the workspace shows as "[missing post ID]". --format json gives nested objects
    {"id", "author", "created_at", "text", "sentiment", "emotion", "missing", "children": [...]}.

    \b
    Example:
        grapevine thread 552783667052167168 --format json
    """
    tree = thread_tree(app.workspace().store, post_id, platform=platform)
    if fmt == "json":
        click.echo(_tree_json(tree))
        return
    width = shutil.get_terminal_size((120, 20)).columns
    for line in _tree_lines(tree, post_id):
        click.echo(line if len(line) <= width else line[: width - 1] + "…")


def _tree_lines(root: dict[str, Any], focus: str) -> list[str]:
    """The tree as indented lines, walked with a stack so that a deep thread cannot overflow.

    Below ``MAX_INDENT`` levels the indentation stops growing and each line shows its depth.
    """
    lines: list[str] = []
    stack: list[tuple[dict[str, Any], int, str, str]] = [(root, 0, "", "")]
    while stack:
        node, depth, lead, rest = stack.pop()
        mark = "> " if node["id"] == focus else ""
        level = f"[{depth}] " if depth > MAX_INDENT else ""
        lines.append(f"{lead}{level}{mark}{_turn(node)}")
        children = node["children"]
        for i in range(len(children) - 1, -1, -1):
            last = i == len(children) - 1
            below = rest if depth >= MAX_INDENT else rest + ("   " if last else "│  ")
            stack.append((children[i], depth + 1, rest + ("└─ " if last else "├─ "), below))
    return lines


def _tree_json(root: dict[str, Any]) -> str:
    """The tree as indented JSON, written with a stack (a long self-thread nests deeper than encoders recurse)."""
    parts: list[str] = []
    stack: list[tuple[dict[str, Any], int, str] | str] = [(root, 0, "")]
    while stack:
        item = stack.pop()
        if isinstance(item, str):  # closing text queued after a node's children
            parts.append(item)
            continue
        node, indent, after = item
        pad, inner = " " * indent, " " * (indent + 2)
        fields = {k: v for k, v in node.items() if k != "children"}
        lines = orjson.dumps(fields, option=orjson.OPT_INDENT_2).decode().splitlines()[1:-1]
        # orjson ends every field line but the last with a comma; "children" follows the last.
        parts.append(
            f"{pad}{{\n"
            + "".join(f"{pad}{line}{',' if i == len(lines) - 1 else ''}\n" for i, line in enumerate(lines))
        )
        children = node["children"]
        if not children:
            parts.append(f'{inner}"children": []\n{pad}}}{after}\n')
            continue
        parts.append(f'{inner}"children": [\n')
        stack.append(f"{inner}]\n{pad}}}{after}\n")
        for i in range(len(children) - 1, -1, -1):
            # Indentation stops growing at 16 levels, or a deep chain's output grows quadratically.
            stack.append((children[i], min(indent + 4, 64), "," if i < len(children) - 1 else ""))
    return "".join(parts).rstrip("\n")


def _turn(node: dict[str, Any]) -> str:
    if node["missing"]:
        return f"[missing post {node['id']}]"
    when = node["created_at"].strftime("%Y-%m-%d %H:%M") if node["created_at"] else "?"
    mood = "/".join(label for label in (node["sentiment"], node["emotion"]) if label)
    text = " ".join((node["text"] or "").split())
    return f"@{node['author'] or '?'}  {when}" + (f"  [{mood}]" if mood else "") + f"  {text}"


@cli.command()
@click.option(
    "--since", help="Only conversations with a post on or after this date (YYYY-MM-DD or ISO time)."
)
@click.option("--until", help="Only conversations that started before this date.")
@click.option("--platform", help="Only this platform.")
@click.option("--brand", help="Only conversations with this brand (see `grapevine brand-accounts list`).")
@click.option(
    "--state", type=click.Choice(list(LEVELS)), help="Only those where a customer is in this state."
)
@click.option(
    "--min-turns", type=int, default=2, show_default=True, help="Leave out smaller ones (1: every post)."
)
@click.option(
    "--sort",
    type=click.Choice(list(SORTS)),
    default="recent",
    show_default=True,
    help="Latest activity first, or the most turns, participants, depth or duration.",
)
@click.option("--limit", type=int, default=50, show_default=True, help="At most this many (0: all).")
@format_option()
@pass_app
def conversations(
    app: AppContext,
    since: str | None,
    until: str | None,
    platform: str | None,
    brand: str | None,
    state: str | None,
    min_turns: int,
    sort: str,
    limit: int,
    fmt: str,
) -> None:
    """List conversations with their participants, turns, depth, breadth and duration.

    Conversations are threaded from the reply fields of every platform as posts arrive; an
    incomplete one (complete = false) has replies whose parent is not in the workspace. Brand
    conversations add whether and how fast the brand answered, customers left unanswered and
    the worst customer state.

    \b
    Example:
        grapevine conversations --brand acme --state angry --sort turns --format csv
    """
    rows = list_conversations(
        app.workspace().store,
        since=since,
        until=until,
        platform=platform,
        min_turns=min_turns,
        sort=sort,
        limit=limit or None,
        brand=brand,
        state=state,
    )
    if fmt == "table":
        for row in rows:
            row["duration"] = _duration(row["duration_s"])
        echo_rows(rows, fmt, LIST_COLUMNS)
    else:
        echo_rows(rows, fmt)


@cli.command("thread-problems")
@click.option(
    "--reason",
    type=click.Choice(["self_reply", "reply_cycle", "parent_newer"]),
    help="Only problems of this kind.",
)
@click.option("--limit", type=int, default=100, show_default=True, help="At most this many (0: all).")
@format_option()
@pass_app
def thread_problems(app: AppContext, reason: str | None, limit: int, fmt: str) -> None:
    """List posts whose reply fields could not be taken at their word, and what was done.

    A post replying to itself, a reply cycle (cut at one edge) or a reply older than its parent.

    \b
    Example:
        grapevine thread-problems --reason reply_cycle --format json
    """
    echo_rows(list_thread_problems(app.workspace().store, reason=reason, limit=limit or None), fmt)


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return ""
    minutes = int(seconds // 60)
    if minutes < 60:
        return f"{minutes}m" if minutes else f"{int(seconds)}s"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours}h{minutes:02d}m"
    return f"{hours // 24}d{hours % 24:02d}h"
