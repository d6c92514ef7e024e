"""grapevine: who matters to a brand, and where each conversation is going.

Start with :func:`open_workspace`; everything else hangs off the :class:`Workspace` it returns.
"""

from grapevine.errors import GrapevineError, IngestError
from grapevine.ingest import FileSummary
from grapevine.models import Account, ContactChannel, Edge, Mapped, Post
from grapevine.workspace import Workspace, open_workspace

__version__ = "0.1.0"

__all__ = [
    "Account",
    "ContactChannel",
    "Edge",
    "FileSummary",
    "GrapevineError",
    "IngestError",
    "Mapped",
    "Post",
    "Workspace",
    "__version__",
    "open_workspace",
]
