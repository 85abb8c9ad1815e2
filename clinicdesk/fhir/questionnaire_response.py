"""QuestionnaireResponse ↔ the answers to an intake form (``intake.FormResponse``): read, search, create.

Responses are patient data: reading needs intake.view_formresponse and patients.view_patient, and every
response returned is an audit VIEW event on its patient. Create (intake.add_formresponse) stores a response
received whole: ``subject`` a Patient of this practice, ``questionnaire`` one of the practice's forms as
``Questionnaire/<id>``, its canonical ``url|version``, or its url (the current version); status in-progress
or completed. A completed response must pass every check of the form (types, required items, enableWhen,
rules): each problem is one issue of the 422 OperationOutcome, its expression the answer's linkId path.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse as FhirResponse

from clinicdesk.audit.models import Action
from clinicdesk.audit.services import Entry, audit_record_many
from clinicdesk.fhir.context import Ctx, require
from clinicdesk.fhir.datatypes import instant, pk_of, ref, reference_target
from clinicdesk.fhir.errors import FhirError, issue, not_found, service_errors, unprocessable
from clinicdesk.fhir.questionnaire import definitions
from clinicdesk.fhir.registry import Resource, ResourceSpec
from clinicdesk.fhir.search import SearchParam, SearchRequest, all_of, alternatives, any_of, id_q, reference_q, token
from clinicdesk.fhir.validate import validate_resource
from clinicdesk.intake.models import FormDefinition, FormResponse, ResponseStatus
from clinicdesk.intake.services import FormInvalid, response_create
from clinicdesk.patients.access import access_patient

READ_PERMS = ("intake.view_formresponse", "patients.view_patient")
CREATE_PERM = "intake.add_formresponse"

PARAMS = (
    SearchParam("patient", "reference", "Patient/<id> or <id>."),
    SearchParam("subject", "reference", "Same as patient."),
    SearchParam("status", "token", "in-progress | completed."),
    SearchParam("questionnaire", "reference", "Questionnaire/<id>, or the form's canonical url."),
)


def _responses(ctx: Ctx) -> QuerySet[FormResponse]:
    return FormResponse.objects.filter(organization_id=ctx.organization_id).select_related(
        "form", "author__practitioner")


def _audit(ctx: Ctx, found: list[FormResponse], purpose: str) -> None:
    audit_record_many(actor=ctx.actor, entries=[
        Entry(action=Action.VIEW, object_type="intake.FormResponse", object_id=str(r.pk), patient_id=r.patient_id,
              detail={"purpose": purpose}) for r in found])


def response_to_fhir(response: FormResponse) -> Resource:
    data: dict[str, Any] = dict(response.resource)
    data["id"] = str(response.pk)
    data["meta"] = {"versionId": "1", "lastUpdated": instant(response.updated_at)}
    data["status"] = response.status
    data["subject"] = ref("Patient", response.patient_id)
    if response.author is not None and getattr(response.author, "practitioner", None) is not None:
        data["author"] = ref("Practitioner", response.author.practitioner.pk)
    elif response.author is None and response.source == "patient_link":
        data["author"] = ref("Patient", response.patient_id)
        data["source"] = ref("Patient", response.patient_id)
    return data


def _require_read(ctx: Ctx) -> None:
    for perm in READ_PERMS:
        require(ctx, perm, "QuestionnaireResponse")


def read(ctx: Ctx, logical_id: str) -> Resource:
    _require_read(ctx)
    pk = pk_of(logical_id)
    found = _responses(ctx).filter(pk=pk).first() if pk is not None else None
    if found is None:
        raise not_found(f"There is no QuestionnaireResponse/{logical_id[:64]} in this practice.")
    _audit(ctx, [found], "fhir read")
    return response_to_fhir(found)


def _questionnaire_q(sr: SearchRequest) -> Q:
    conditions = []
    for value in sr.values("questionnaire"):
        options = []
        for alt in alternatives(value):
            head, _, last = alt.rstrip("/").rpartition("/")
            if head.endswith("Questionnaire") or (not head and pk_of(last) is not None):
                if (pk := pk_of(last)) is not None:
                    options.append(Q(form_id=pk))
            else:
                url, _, version = alt.partition("|")
                options.append(Q(form__questionnaire__url=url) if not version
                               else Q(resource__questionnaire=alt))
        conditions.append(any_of(options))
    return all_of(conditions)


def search(ctx: Ctx, sr: SearchRequest) -> tuple[list[Resource], int]:
    _require_read(ctx)
    statuses = []
    for value in sr.values("status"):
        statuses.append(any_of([Q(status=token(alt)[1]) for alt in alternatives(value)]))
    condition = all_of([reference_q(sr, "patient", "Patient", "patient_id"),
                        reference_q(sr, "subject", "Patient", "patient_id"), all_of(statuses),
                        _questionnaire_q(sr), id_q(sr)])
    found = _responses(ctx).filter(condition).order_by("-updated_at", "-pk")
    total = found.count()
    page = list(found[sr.offset:sr.offset + sr.count]) if sr.count else []
    _audit(ctx, page, "fhir search")
    return [response_to_fhir(r) for r in page], total


def _form(ctx: Ctx, canonical: Any) -> FormDefinition:
    where = ["QuestionnaireResponse.questionnaire"]
    if not isinstance(canonical, str) or not canonical:
        raise unprocessable("questionnaire is required: Questionnaire/<id> or the form's canonical url.",
                            expression=where)
    rows = definitions(ctx)
    found: FormDefinition | None = None
    head, _, last = canonical.rstrip("/").rpartition("/")
    if head.endswith("Questionnaire") and (pk := pk_of(last)) is not None:
        found = rows.filter(pk=pk).first()
    else:
        url, _, version = canonical.partition("|")
        candidates = [f for f in rows.filter(questionnaire__url=url).order_by("-version")
                      if not version or str(f.questionnaire.get("version")) == version]
        own = [f for f in candidates if not f.shipped]
        chosen = own or candidates
        found = chosen[0] if chosen else None
    if found is None:
        raise unprocessable(f"There is no Questionnaire “{canonical[:100]}” in this practice.", expression=where)
    return found


def create(ctx: Ctx, body: dict[str, Any]) -> Resource:
    require(ctx, CREATE_PERM, "QuestionnaireResponse")
    plain = validate_resource(body, FhirResponse, {})
    if plain.get("status") not in ResponseStatus.values:
        raise unprocessable("A new QuestionnaireResponse is in-progress or completed.",
                            expression=["QuestionnaireResponse.status"])
    _, patient_id = reference_target(plain.get("subject"), ("Patient",), "QuestionnaireResponse.subject")
    pk = pk_of(patient_id)
    if pk is None:
        raise not_found(f"There is no Patient/{patient_id[:64]} in this practice.")
    patient = access_patient(actor=ctx.actor, patient_id=pk, purpose="fhir create QuestionnaireResponse")
    form = _form(ctx, body.get("questionnaire"))
    try:
        with service_errors("QuestionnaireResponse", {}):
            response = response_create(actor=ctx.actor, patient=patient, form=form, resource=body)
    except FormInvalid as exc:
        raise FhirError(422, [issue("invalid", p.message, expression=[p.key]) for p in exc.problems[:50]]) from exc
    return response_to_fhir(_responses(ctx).get(pk=response.pk))


SPEC = ResourceSpec(
    type="QuestionnaireResponse",
    documentation=("Answers to intake forms; each one returned is audited as a view of its patient (needs "
                   "intake.view_formresponse and patients.view_patient). Search by patient/subject, status, "
                   "questionnaire. Create (intake.add_formresponse): subject Patient/<id>, questionnaire "
                   "Questionnaire/<id> or canonical url[|version], status in-progress or completed; a completed "
                   "response must pass every check of the form, else 422 with one issue per problem."),
    read=read,
    search=search,
    params=PARAMS,
    create=create,
    create_perm=CREATE_PERM,
)
