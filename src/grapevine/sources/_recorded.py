"""Recorded HTTP interactions (VCR-style cassettes converted to JSON).

A cassette is ``{"source_cassette": ..., "interactions": [{"request": {"method", "uri"},
"status": ..., "body": ...}, ...]}``. Platform sources that accept recorded API responses
use these helpers: each interaction is one record, numbered from 1.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import IO, Any

import orjson

from grapevine.sources.base import BadRecord, RawRecord

__all__ = ["interaction_status", "is_cassette_sample", "iter_interactions", "sample_uris"]

_URI = re.compile(rb'"uri"\s*:\s*"([^"]+)"')


def is_cassette_sample(sample: bytes) -> bool:
    return b'"interactions"' in sample[:4096] and b'"request"' in sample


def sample_uris(sample: bytes) -> list[str]:
    """The request URIs visible in the first bytes of a cassette file."""
    return [m.decode("utf-8", "replace") for m in _URI.findall(sample)]


def iter_interactions(stream: IO[bytes], name: str) -> Iterator[RawRecord | BadRecord]:
    """Yield each interaction of a cassette as a record whose payload is the interaction dict."""
    data = stream.read()
    try:
        document = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        yield BadRecord(1, f"invalid JSON: {exc}", data[:10_000])
        return
    interactions = document.get("interactions") if isinstance(document, dict) else None
    if not isinstance(interactions, list):
        yield BadRecord(1, "expected an object with an 'interactions' list", data[:10_000])
        return
    for number, interaction in enumerate(interactions, 1):
        yield RawRecord(number, interaction, orjson.dumps(interaction))


def interaction_status(interaction: Any) -> int | None:
    """The HTTP status code of an interaction (recorded as an int or as ``{"code": N}``)."""
    status = interaction.get("status") if isinstance(interaction, dict) else None
    if isinstance(status, dict):
        status = status.get("code")
    return status if isinstance(status, int) else None
