"""``grapevine report``: the overview, top people and the inbox as one self-contained HTML file.

Everything is inline (the stylesheet, SVG charts); the file makes no request when opened, so it
can be mailed or archived. Do-not-contact people are marked and their channels left out.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from grapevine import crm
from grapevine.errors import GrapevineError

if TYPE_CHECKING:
    from grapevine.workspace import Workspace

__all__ = ["report_data", "write_report"]

TOP_PEOPLE = 25
TOP_INBOX = 25


def report_data(ws: Workspace, brand: str | None = None) -> dict[str, Any]:
    """What the report shows: the overview view, the top people and the inbox."""
    from grapevine.web._views import inbox_view, overview_view, people_view

    data: dict[str, Any] = {
        "overview": overview_view(ws, brand),
        "people": people_view(ws, brand=brand, limit=TOP_PEOPLE)["rows"],
        "inbox": [],
        "inbox_note": None,
        "generated_at": datetime.now(UTC),
        "workspace": str(ws.path),
    }
    try:
        data["inbox"] = inbox_view(ws, brand=brand, limit=TOP_INBOX)["rows"]
    except GrapevineError as exc:
        data["inbox_note"] = str(exc)
    return data


def write_report(ws: Workspace, out: str | Path, brand: str | None = None) -> Path:
    """Write the report to ``out`` (written to a temporary name, then moved into place); returns the path."""
    from grapevine.web._render import HERE, template_environment

    target = Path(out)
    target.parent.mkdir(parents=True, exist_ok=True)
    env = template_environment()
    html = env.get_template("report.html").render(
        data=report_data(ws, brand),
        brand=brand,
        css=(HERE / "static" / "app.css").read_text(encoding="utf-8"),
        stages=crm.STAGES,
    )
    partial = target.with_name(target.name + ".partial")
    partial.write_text(html, encoding="utf-8")
    partial.replace(target)
    return target
