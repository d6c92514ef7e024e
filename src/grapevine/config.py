"""Settings, layered: defaults < the workspace's ``grapevine.toml`` < environment < explicit flags."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from grapevine.errors import GrapevineError

__all__ = ["CONFIG_FILE", "DEFAULT_WORKSPACE", "Settings", "load_settings"]

CONFIG_FILE = "grapevine.toml"
DEFAULT_WORKSPACE = "grapevine-data"
ENV_PREFIX = "GRAPEVINE_"


@dataclass
class Settings:
    """Every knob a workspace has. Environment: ``GRAPEVINE_<NAME>`` (e.g. GRAPEVINE_DB_THREADS)."""

    #: the DuckDB file's name inside the workspace folder
    database: str = "grapevine.duckdb"
    #: threads DuckDB may use (None: all cores)
    db_threads: int | None = None
    #: DuckDB memory limit such as "4GB" (None: DuckDB's default, 80% of RAM)
    db_memory_limit: str | None = None
    #: keep a compressed copy of every imported file so mapping can be re-run
    keep_raw: bool = True
    #: WAL size that triggers a DuckDB checkpoint; DuckDB's 16MB default checkpoints (and
    #: rewrites indexes) dozens of times per million posts, which dominated ingest time
    checkpoint_threshold: str = "256MB"
    #: password for the web app; without it (or an API token) `serve` binds 127.0.0.1 only
    web_password: str | None = None
    #: an admin token for the web app and its API (full access; prefer scoped API tokens)
    web_token: str | None = None


def _coerce(value: str, current: Any, name: str) -> Any:
    if isinstance(current, bool):
        if value.lower() in ("1", "true", "yes", "on"):
            return True
        if value.lower() in ("0", "false", "no", "off"):
            return False
        raise GrapevineError(f"setting {name}: expected true or false, got {value!r}")
    if name in ("db_threads",):
        try:
            return int(value)
        except ValueError:
            raise GrapevineError(f"setting {name}: expected a whole number, got {value!r}") from None
    return value


def load_settings(workspace: Path, overrides: dict[str, Any] | None = None) -> Settings:
    """Build the settings for ``workspace`` from its config file, the environment and ``overrides``."""
    settings = Settings()
    names = {f.name for f in fields(Settings)}
    config = workspace / CONFIG_FILE
    if config.exists():
        try:
            data = tomllib.loads(config.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise GrapevineError(f"{config}: invalid TOML: {exc}") from exc
        for key, value in data.items():
            if key not in names:
                raise GrapevineError(f"{config}: unknown setting {key!r}; known: {', '.join(sorted(names))}")
            setattr(settings, key, value)
    for name in names:
        env = os.environ.get(ENV_PREFIX + name.upper())
        if env is not None:
            setattr(settings, name, _coerce(env, getattr(Settings(), name), name))
    for key, value in (overrides or {}).items():
        if key not in names:
            raise GrapevineError(f"unknown setting {key!r}; known: {', '.join(sorted(names))}")
        if value is not None:
            setattr(settings, key, value)
    return settings
