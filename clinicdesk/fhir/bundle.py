"""Search results as a Bundle of type searchset, with the total and self / first / previous / next links."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.utils import timezone

from clinicdesk.fhir.datatypes import instant
from clinicdesk.fhir.search import SearchRequest


def searchset(*, base: str, resource_type: str, sr: SearchRequest, resources: list[dict[str, Any]],
              total: int) -> dict[str, Any]:
    bundle: dict[str, Any] = {
        "resourceType": "Bundle",
        "meta": {"lastUpdated": instant(timezone.now())},
        "type": "searchset",
        "total": total,
        "link": _links(f"{base}/{resource_type}", sr, total),
    }
    if resources:
        bundle["entry"] = [
            {"fullUrl": f"{base}/{r['resourceType']}/{r['id']}", "resource": r, "search": {"mode": "match"}}
            for r in resources
        ]
    return bundle


def _links(url: str, sr: SearchRequest, total: int) -> list[dict[str, str]]:
    def page(offset: int) -> str:
        return f"{url}?{urlencode([*sr.link_items(), ('_count', str(sr.count)), ('_offset', str(offset))])}"

    links = [{"relation": "self", "url": page(sr.offset)}]
    if sr.count:
        links.append({"relation": "first", "url": page(0)})
        if sr.offset > 0:
            links.append({"relation": "previous", "url": page(max(sr.offset - sr.count, 0))})
        if sr.offset + sr.count < total:
            links.append({"relation": "next", "url": page(sr.offset + sr.count)})
    return links
