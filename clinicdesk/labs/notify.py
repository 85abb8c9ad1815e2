"""Every filed result becomes work in the inbox: nothing from a lab is left orphaned.

A confident match goes to the ordering practitioner (by the practice's routing rules; critical results
critical and abnormal ones urgent). An uncertain match goes to reconciliation with no patient attached,
so staff confirm who it belongs to before anyone acts on it; once they do (``reconciled``), that item is
closed under the patient and the result is routed as a confident match would have been.
"""

from __future__ import annotations

from clinicdesk.audit.services import Actor, Entry
from clinicdesk.inbox.models import InboxItem, ItemStatus, Kind, Priority
from clinicdesk.inbox.services import Draft, item_draft, items_save
from clinicdesk.labs.models import LabObservation, LabOrder, MatchStatus, ResultMatch
from clinicdesk.practice.models import Organization

RESULTS = "results"
RECONCILIATION = "result_reconciliation"


def result_inbox_item(*, organization: Organization, match: ResultMatch,
                      orders: list[tuple[LabOrder, list[LabObservation]]] | None = None,
                      audit: list[Entry] | None = None) -> InboxItem:
    """The inbox item for one filed result (called inside the filing transaction).

    ``orders``: the orders just filed with their observations, when the caller has them (else they are read).
    ``audit``: where to add the audit event for the caller to record (``Actor.system(via="hl7")``)."""
    (item,) = items_save(actor=ACTOR, organization=organization,
                         drafts=[result_item_draft(organization=organization, match=match, orders=orders)],
                         audit=audit)
    return item


ACTOR = Actor.system(via="hl7")


def result_item_draft(*, organization: Organization, match: ResultMatch,
                      orders: list[tuple[LabOrder, list[LabObservation]]] | None = None) -> Draft:
    """``result_inbox_item``'s item, routed but not saved (a group's items go in together: ``items_save``)."""
    if orders is None:
        rows = list(match.orders.select_related("ordering_practitioner").order_by("pk"))
        orders = [(o, list(LabObservation.objects.filter(order=o))) for o in rows]
    observations = [o for _, filed in orders for o in filed if o.superseded_by_id is None]
    lab_orders = [order for order, _ in orders]
    critical = any(o.is_critical for o in observations)
    abnormal = sum(o.is_abnormal for o in observations)
    tests = ", ".join(dict.fromkeys(o.service_text or o.service_code for o in lab_orders)) or "lab result"
    summary = f"{len(observations)} result{'s' if len(observations) != 1 else ''}, {abnormal} abnormal"
    priority = Priority.URGENT if abnormal or critical else Priority.ROUTINE
    source = f"labs.ResultMatch:{match.pk}"
    if match.status in (MatchStatus.MATCHED, MatchStatus.CONFIRMED) and match.candidate is not None:
        return item_draft(organization=organization, kind=Kind.LAB_RESULT, category=RESULTS,
                          title=f"{'CRITICAL ' if critical else ''}Result: {tests} ({summary})",
                          patient=match.candidate, priority=priority, critical=critical,
                          ordering_practitioner_id=next((o.ordering_practitioner_id for o in lab_orders
                                                         if o.ordering_practitioner_id), None), source=source)
    who = " ".join(
        str(match.identity.get(k, "")) for k in ("family", "given", "birth_date")).strip()
    return item_draft(organization=organization, kind=Kind.LAB_RESULT, category=RECONCILIATION,
                      title=f"Match needed: {tests} for {who or 'an unidentified patient'} ({summary})",
                      body="; ".join(str(r) for r in match.reasons), priority=priority, critical=critical,
                      source=source)


def reconciled(*, actor: Actor, match: ResultMatch) -> None:
    """After staff confirmed an uncertain match (inside ``match_confirm``'s transaction): close its
    reconciliation item under the patient and route the result to the ordering practitioner."""
    from clinicdesk.inbox.services import item_comment, item_set_patient, item_update_status

    patient = match.candidate
    assert patient is not None
    waiting = InboxItem.objects.filter(organization_id=match.organization_id, category=RECONCILIATION,
                                       source=f"labs.ResultMatch:{match.pk}").exclude(status=ItemStatus.DONE)
    for item in waiting:
        item = item_set_patient(actor=actor, item=item, patient=patient)
        item_comment(actor=actor, item=item, text=f"Match confirmed: {patient.display_name} ({patient.mrn}).")
        item_update_status(actor=actor, item=item, status=ItemStatus.DONE)
    if match.orders.exists():
        result_inbox_item(organization=match.organization, match=match)
