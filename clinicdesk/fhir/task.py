"""Task ↔ one work-inbox item (phone message, task, lab result, document, form submission, alert), read and search.

The caller sees the items they could open in the inbox: theirs, their pools', the ones they created, or every
item of the practice with ``inbox.view_all_inboxitem``.

Mapping:
- status: new → requested, in_progress → in-progress, waiting → on-hold, done → completed; an item escalated
  past its SLA has businessStatus "escalated". intent is order (work the practice asked of itself).
- code: the kind, ``urn:clinicdesk:inbox-kind|<kind>``; description: the title; note: the body and comments.
- priority: routine → routine, urgent → urgent, critical → stat.
- for: the patient (none for items not about a patient, e.g. a result waiting for a patient match).
- owner: the assigned person as Practitioner/<id> when they are one, else a logical reference
  (``urn:clinicdesk:user|<id>``); an item for a pool names it as ``urn:clinicdesk:inbox-pool|<key>``.
- authoredOn: created; restriction.period.end: due.
"""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Q, QuerySet

from clinicdesk.audit.models import Action
from clinicdesk.audit.services import Entry, audit_record_many
from clinicdesk.fhir.context import Ctx, require
from clinicdesk.fhir.datatypes import compact, pk_of, ref
from clinicdesk.fhir.errors import bad_request, not_found
from clinicdesk.fhir.observation import date_q, local, practice_zone, status_q
from clinicdesk.fhir.registry import Resource, ResourceSpec
from clinicdesk.fhir.search import SearchParam, SearchRequest, all_of, alternatives, any_of, id_q, reference_q, token
from clinicdesk.inbox.models import InboxItem, Kind, Pool
from clinicdesk.staff.models import User

READ_PERMS = ("inbox.view_inboxitem", "patients.view_patient")
SEE_ALL = "inbox.view_all_inboxitem"
KIND_SYSTEM = "urn:clinicdesk:inbox-kind"
USER_SYSTEM = "urn:clinicdesk:user"
POOL_SYSTEM = "urn:clinicdesk:inbox-pool"
ESCALATED = "urn:clinicdesk:inbox-business-status"
STATUS = {"new": "requested", "in_progress": "in-progress", "waiting": "on-hold", "done": "completed"}
FHIR_STATUS = frozenset({"draft", "requested", "received", "accepted", "rejected", "ready", "cancelled",
                         "in-progress", "on-hold", "failed", "completed", "entered-in-error"})
PRIORITY = {"routine": "routine", "urgent": "urgent", "critical": "stat"}

PARAMS = (
    SearchParam("patient", "reference", "Patient/<id> or <id>."),
    SearchParam("status", "token", "requested (new) | in-progress | on-hold (waiting) | completed (done)."),
    SearchParam("owner", "reference", "Practitioner/<id>, or urn:clinicdesk:user|<id> / "
                "urn:clinicdesk:inbox-pool|<key> as a token."),
    SearchParam("authored-on", "date", "When the item was created (eq/ne/gt/ge/lt/le; dates in the practice's "
                "time zone, a time needs a zone)."),
    SearchParam("date", "date", "Same as authored-on."),
    SearchParam("code", "token", f"The kind: {KIND_SYSTEM}|<kind> or <kind>, one of "
                f"{', '.join(Kind.values)}."),
)


def visible_items(ctx: Ctx) -> QuerySet[InboxItem]:
    """The items of the practice the caller may open (as in the inbox screens)."""
    items = InboxItem.objects.filter(organization_id=ctx.organization_id)
    if not ctx.has_perm(SEE_ALL):
        pools = Pool.objects.filter(members=ctx.user).values("pk")
        items = items.filter(Q(assigned_user=ctx.user) | Q(assigned_pool__in=pools) | Q(created_by=ctx.user))
    return (items.select_related("assigned_user__practitioner", "assigned_pool", "created_by__practitioner")
            .prefetch_related("comments__author"))


def audit_items(ctx: Ctx, found: list[InboxItem], purpose: str) -> None:
    audit_record_many(actor=ctx.actor, entries=[
        Entry(action=Action.VIEW, object_type="InboxItem", object_id=str(i.pk), patient_id=i.patient_id,
              detail={"purpose": purpose}) for i in found
    ])


def _require_read(ctx: Ctx) -> None:
    for perm in READ_PERMS:
        require(ctx, perm, "Task")


def read(ctx: Ctx, logical_id: str) -> Resource:
    _require_read(ctx)
    pk = pk_of(logical_id)
    found = visible_items(ctx).filter(pk=pk).first() if pk is not None else None
    if found is None:
        raise not_found(f"There is no Task/{logical_id[:64]} in this practice that you may see.")
    audit_items(ctx, [found], "fhir read")
    return task_to_fhir(found, practice_zone(ctx))


def _owner_q(sr: SearchRequest) -> Q:
    conditions = []
    for value in sr.values("owner"):
        options = []
        for alt in alternatives(value):
            system, code = token(alt)
            if system == USER_SYSTEM and (pk := pk_of(code)) is not None:
                options.append(Q(assigned_user_id=pk))
            elif system == POOL_SYSTEM:
                options.append(Q(assigned_pool__key=code))
            elif system is None:
                head, _, last = alt.rstrip("/").rpartition("/")
                if (pk := pk_of(last)) is not None and (not head or head.endswith("Practitioner")):
                    options.append(Q(assigned_user__practitioner__pk=pk))
        conditions.append(any_of(options))
    return all_of(conditions)


def _code_q(sr: SearchRequest) -> Q:
    conditions = []
    for value in sr.values("code"):
        options = []
        for system, code in (token(alt) for alt in alternatives(value)):
            if code not in Kind.values:
                raise bad_request(f"“{code[:64]}” is not an inbox kind; use one of: {', '.join(Kind.values)}.",
                                  expression=["code"], code="code-invalid")
            if system in (None, "", KIND_SYSTEM):
                options.append(Q(kind=code))
        conditions.append(any_of(options))
    return all_of(conditions)


def search(ctx: Ctx, sr: SearchRequest) -> tuple[list[Resource], int]:
    _require_read(ctx)
    condition = all_of([
        reference_q(sr, "patient", "Patient", "patient_id"),
        status_q(sr, "status", "status", STATUS, FHIR_STATUS),
        _owner_q(sr),
        date_q(ctx, sr, "authored-on", "created_at"),
        date_q(ctx, sr, "date", "created_at"),
        _code_q(sr),
        id_q(sr),
    ])
    found = visible_items(ctx).filter(condition).order_by("-created_at", "-pk")
    total = found.count()
    page = list(found[sr.offset:sr.offset + sr.count]) if sr.count else []
    audit_items(ctx, page, "fhir search")
    zone = practice_zone(ctx)
    return [task_to_fhir(i, zone) for i in page], total


def user_reference(user: User) -> dict[str, Any]:
    practitioner = getattr(user, "practitioner", None)
    if practitioner is not None:
        return ref("Practitioner", practitioner.pk, practitioner.display_name)
    return {"identifier": {"system": USER_SYSTEM, "value": str(user.pk)}, "display": user.display_name}


def owner_of(item: InboxItem) -> dict[str, Any] | None:
    if item.assigned_user is not None:
        return user_reference(item.assigned_user)
    if item.assigned_pool is not None:
        return {"identifier": {"system": POOL_SYSTEM, "value": item.assigned_pool.key},
                "display": item.assigned_pool.name}
    return None


def notes_of(item: InboxItem, zone: ZoneInfo) -> list[dict[str, Any]]:
    notes: list[dict[str, Any]] = [{"text": item.body}] if item.body.strip() else []
    for comment in item.comments.all():
        notes.append(compact({"authorString": comment.author.display_name if comment.author else "",
                              "time": local(comment.at, zone), "text": comment.text}))
    return [n for n in notes if n.get("text")]


def task_to_fhir(item: InboxItem, zone: ZoneInfo) -> dict[str, Any]:
    return compact({
        "resourceType": "Task",
        "id": str(item.pk),
        "identifier": [{"system": "urn:clinicdesk:inbox-source", "value": item.source}] if item.source else [],
        "status": STATUS.get(item.status, "requested"),
        "businessStatus": {"coding": [{"system": ESCALATED, "code": "escalated"}], "text": "Escalated past its SLA"}
        if item.flagged_escalated else None,
        "intent": "order",
        "priority": PRIORITY.get(item.priority, "routine"),
        "code": {"coding": [{"system": KIND_SYSTEM, "code": item.kind, "display": item.get_kind_display()}],
                 "text": item.get_kind_display()},
        "description": item.title,
        "for": ref("Patient", item.patient_id) if item.patient_id else None,
        "authoredOn": local(item.created_at, zone),
        "requester": user_reference(item.created_by) if item.created_by else None,
        "owner": owner_of(item),
        "restriction": {"period": {"end": local(item.due_at, zone)}} if item.due_at else None,
        "note": notes_of(item, zone),
    })


SPEC = ResourceSpec(
    type="Task",
    documentation=("Work-inbox items (phone messages, tasks, lab results, documents, form submissions, alerts) "
                   "the caller may open: theirs, their pools', the ones they created, or all with "
                   "inbox.view_all_inboxitem; each one returned is audited as a view of its patient (needs "
                   "inbox.view_inboxitem and patients.view_patient). code is the kind "
                   f"({KIND_SYSTEM}); status new/in_progress/waiting/done is requested/in-progress/on-hold/"
                   "completed."),
    read=read, search=search, params=PARAMS, read_perm="inbox.view_inboxitem",
)
