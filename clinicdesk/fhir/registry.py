"""What each resource type supports: one ResourceSpec per type, used by the router and the CapabilityStatement."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from clinicdesk.fhir.context import Ctx
from clinicdesk.fhir.search import SearchParam, SearchRequest

Resource = dict[str, Any]
Reader = Callable[[Ctx, str], Resource]
Searcher = Callable[[Ctx, SearchRequest], tuple[list[Resource], int]]
Creator = Callable[[Ctx, dict[str, Any]], Resource]
Updater = Callable[[Ctx, str, dict[str, Any], int | None], Resource]


@dataclass(frozen=True)
class ResourceSpec:
    """One resource type. The permissions are checked before the body is read; ``read_perm`` None means
    the handler's own access function checks it (patients), or the data is the practice's directory."""

    type: str
    documentation: str
    read: Reader
    search: Searcher
    params: tuple[SearchParam, ...]
    read_perm: str | None = None
    create: Creator | None = None
    create_perm: str | None = None
    update: Updater | None = None
    update_perm: str | None = None
    versioned: bool = False

    @property
    def interactions(self) -> list[str]:
        found = ["read", "search-type"]
        if self.versioned:
            found.append("vread")
        if self.create:
            found.append("create")
        if self.update:
            found.append("update")
        return found
