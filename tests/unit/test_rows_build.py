"""``rows.build``: an instance made without ``Model.__init__`` is the instance ``Model(**kwargs)`` makes, and
saves the same."""

from __future__ import annotations

from datetime import datetime

import pytest
from django.db.models.signals import post_init
from django.utils import timezone

from clinicdesk.labs.models import InboundMessage, InboundStatus, LabObservation, ObservationStatus
from clinicdesk.lib import rows
from clinicdesk.practice.models import Organization


def _state(obj: object) -> dict[str, object]:
    return {k: v for k, v in vars(obj).items() if k != "_state"}


def test_given_fields_and_every_default_as_init_sets_them() -> None:
    given = {"order_id": 7, "code": "2345-7", "value_text": "140", "status": ObservationStatus.FINAL}
    built, made = rows.build(LabObservation, **given), LabObservation(**given)
    assert _state(built) == _state(made)
    assert built._state.adding and built._state.db is None and built.pk is None


def test_a_callable_default_is_called_for_each_instance_unless_given() -> None:
    first = rows.build(InboundMessage, raw=b"x", ack=b"y", status=InboundStatus.QUEUED)
    second = rows.build(InboundMessage, raw=b"x", ack=b"y", status=InboundStatus.QUEUED)
    assert isinstance(first.received_at, datetime) and first.received_at <= second.received_at <= timezone.now()
    when = timezone.now().replace(year=2020)
    assert rows.build(InboundMessage, received_at=when).received_at == when


def test_an_unknown_field_is_refused() -> None:
    with pytest.raises(TypeError, match="no field"):
        rows.build(LabObservation, order=None, nonsense=1)


@pytest.mark.django_db
def test_a_built_row_saves_and_reads_back_like_one_made_by_init() -> None:
    org = Organization.objects.create(name="Lakeside", timezone="America/Chicago", mrn_prefix="LS")
    built = rows.build(InboundMessage, organization_id=org.pk, control_id="B1", raw=b"MSH|", ack=b"MSA|AA",
                       ack_code="AA", status=InboundStatus.QUEUED)
    rows.insert([built])
    stored = InboundMessage.objects.get(pk=built.pk)
    assert (stored.organization_id, stored.control_id, bytes(stored.raw), stored.status, stored.protocol) == (
        org.pk, "B1", b"MSH|", InboundStatus.QUEUED, "hl7v2")


def test_a_model_with_init_receivers_is_made_the_ordinary_way() -> None:
    seen: list[object] = []

    def receiver(sender: type, instance: object, **kwargs: object) -> None:
        seen.append(instance)

    post_init.connect(receiver, sender=InboundMessage)
    rows._defaults.pop(InboundMessage, None)
    try:
        obj = rows.build(InboundMessage, control_id="R1")
        assert seen == [obj]
    finally:
        post_init.disconnect(receiver, sender=InboundMessage)
        rows._defaults.pop(InboundMessage, None)
