"""What a database part holds, as the manifest records it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Snapshot:
    server_version: str
    tables: dict[str, int]  # row count per table, counted in the same snapshot as the copy
    migrations: list[str]  # applied migrations, "app.name", sorted
