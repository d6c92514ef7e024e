"""Sources: one module per platform or file format (see :mod:`grapevine.sources.base`)."""

from grapevine.sources.base import BadRecord, MappingError, RawRecord, Source, SourceError

__all__ = ["BadRecord", "MappingError", "RawRecord", "Source", "SourceError"]
