"""Calendar files: an appointment's .ics, and practitioners' private feeds (list, create, revoke, serve)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from clinicdesk.audit.models import Action
from clinicdesk.audit.services import Actor, audit_record
from clinicdesk.patients import access
from clinicdesk.scheduling.feeds import feed_appointments, feed_create, feed_for_secret, feed_revoke
from clinicdesk.scheduling.ical import patient_ics, practitioner_feed
from clinicdesk.scheduling.models import Appointment, CalendarFeed
from clinicdesk.staff.models import Practitioner
from clinicdesk.web.forms import current_organization

ICS = "text/calendar; charset=utf-8"


def appointment_ics(request: HttpRequest, appointment_id: int) -> HttpResponse:
    actor = Actor.from_request(request)
    appointment = get_object_or_404(Appointment.objects.select_related(
        "appointment_type", "practitioner", "location"), pk=appointment_id,
        organization_id=current_organization(request).pk)
    patient = access.access_patient(actor=actor, patient_id=appointment.patient_id,
                                    perm="scheduling.view_appointment", purpose="appointment .ics")
    access.access_patient_export(actor=actor, patient=patient, fmt="ics")
    response = HttpResponse(patient_ics(appointment, now=timezone.now()), content_type=ICS)
    response["Content-Disposition"] = f'attachment; filename="appointment-{appointment.pk}.ics"'
    return response


def _may_manage(request: HttpRequest, practitioner: Practitioner) -> bool:
    user = request.user
    own = getattr(practitioner, "user_id", None) == user.pk
    return own or user.has_perm("staff.manage_staff")


@permission_required("scheduling.view_appointment", raise_exception=True)
def feed_list(request: HttpRequest) -> HttpResponse:
    org = current_organization(request)
    practitioners = [p for p in Practitioner.objects.filter(organization=org, active=True) if _may_manage(request, p)]
    feeds = CalendarFeed.objects.filter(practitioner__in=practitioners).select_related("practitioner")
    return render(request, "scheduling/calendar/feeds.html", {"practitioners": practitioners, "feeds": feeds,
                                                              "new_url": request.session.pop("new_feed_url", "")})


@require_POST
def feed_new(request: HttpRequest, practitioner_id: int) -> HttpResponse:
    practitioner = get_object_or_404(Practitioner, pk=practitioner_id, organization=current_organization(request))
    if not _may_manage(request, practitioner):
        raise PermissionDenied("Only the practitioner or a manager can create their calendar feed.")
    _feed, secret = feed_create(actor=Actor.from_request(request), practitioner=practitioner)
    request.session["new_feed_url"] = request.build_absolute_uri(f"/calendar/feed/{secret}.ics")
    messages.success(request, f"Created a calendar feed for {practitioner.display_name}. Copy its address now: "
                              "it is shown only once.")
    return redirect("calendar:feeds")


@require_POST
def feed_revoke_view(request: HttpRequest, feed_id: int) -> HttpResponse:
    feed = get_object_or_404(CalendarFeed.objects.select_related("practitioner"), pk=feed_id,
                             practitioner__organization=current_organization(request))
    if not _may_manage(request, feed.practitioner):
        raise PermissionDenied("Only the practitioner or a manager can revoke their calendar feed.")
    feed_revoke(actor=Actor.from_request(request), feed=feed)
    messages.success(request, f"Revoked the feed of {feed.practitioner.display_name}; its address no longer works.")
    return redirect("calendar:feeds")


def feed_serve(request: HttpRequest, secret: str) -> HttpResponse:
    """The feed itself: no login (calendar programs cannot log in); the secret in the address is the key."""
    feed = feed_for_secret(secret)
    if feed is None:
        raise Http404("No such calendar feed (it may have been revoked).")
    appointments = list(feed_appointments(feed))
    audit_record(actor=Actor(user=None, ip=request.META.get("REMOTE_ADDR") or None, via="ical", role="feed"),
                 action=Action.EXPORT, object_type="CalendarFeed", object_id=feed.pk,
                 organization_id=feed.practitioner.organization_id, detail={"events": len(appointments)})
    body = practitioner_feed(f"{feed.practitioner.display_name} · clinicdesk", appointments, now=timezone.now())
    return HttpResponse(body, content_type=ICS)
