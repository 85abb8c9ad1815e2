"""Where an item came from, as a link: a small registry of ``source`` prefix → URL function.

An item's ``source`` is ``"<app>.<Model>:<id>"`` (e.g. ``"labs.ResultMatch:12"``). An app that creates inbox
items registers how to link to its objects, once, from its ``AppConfig.ready()``::

    from clinicdesk.inbox.sources import register_source
    register_source("labs.ResultMatch", lambda pk: reverse("labs:match", args=[pk]))

The item page then shows "Open source" for such items. A resolver that raises or returns "" shows no link.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

logger = logging.getLogger(__name__)

SourceResolver = Callable[[str], str]
_RESOLVERS: dict[str, SourceResolver] = {}


def register_source(prefix: str, resolver: SourceResolver) -> None:
    """``resolver`` gets the part after the colon and returns a URL (or "" when there is none)."""
    _RESOLVERS[prefix] = resolver


def unregister_source(prefix: str) -> None:
    _RESOLVERS.pop(prefix, None)


def source_url(source: str) -> str:
    prefix, sep, ident = source.partition(":")
    resolver = _RESOLVERS.get(prefix)
    if not sep or resolver is None:
        return ""
    try:
        return resolver(ident) or ""
    except Exception:  # a broken link must never break the item page
        logger.warning("no URL for inbox source %r", source, exc_info=True)
        return ""
