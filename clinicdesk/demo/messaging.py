"""The demo practice's reminders, switched on: templates in English and Spanish for e-mail and text, one policy
(7 days by e-mail, 1 day by e-mail and text, 2 hours by text), default quiet hours. With CLINICDESK_EMAIL_URL set,
the first sweep after ``clinicdesk serve`` starts sends the reminders of the appointments in the next day to the
patients who agreed to e-mail or texts; without it they wait in the outbox, marked not sent and why."""

from __future__ import annotations

from clinicdesk.messaging.models import MessageTemplate, MessagingSettings, ReminderPolicy, ReminderStep
from clinicdesk.practice.models import Organization

EMAIL_BODY = {
    "en": ("Dear {patient_first_name},\n\nthis is a reminder of your {appointment_type} appointment with "
           "{practitioner_name} on {appointment_date} at {appointment_time}.\n\n{location_name}\n{location_address}\n"
           "Map: {map_link}\n\n{instructions}\n\nConfirm: {confirm_link}\nCancel: {cancel_link}\n"
           "Ask for a new time: {reschedule_link}\n\nQuestions? Call us at {location_phone}.\n\n{practice_name}"),
    "es": ("Estimado/a {patient_first_name}:\n\nle recordamos su cita ({appointment_type}) con {practitioner_name} "
           "el {appointment_date} a las {appointment_time}.\n\n{location_name}\n{location_address}\n"
           "Mapa: {map_link}\n\n{instructions}\n\nConfirmar: {confirm_link}\nCancelar: {cancel_link}\n"
           "Pedir otra hora: {reschedule_link}\n\n¿Preguntas? Llámenos al {location_phone}.\n\n{practice_name}"),
}
EMAIL_SUBJECT = {"en": "Reminder: {appointment_date} at {appointment_time}",
                 "es": "Recordatorio: {appointment_date}, {appointment_time}"}
SMS_BODY = {
    "en": ("{practice_name}: {appointment_type} with {practitioner_name} {appointment_date} {appointment_time} at "
           "{location_name}. Reply C to confirm, R for a new time, STOP to opt out."),
    "es": ("{practice_name}: cita con {practitioner_name} {appointment_date} {appointment_time} en {location_name}. "
           "Responda C para confirmar, R para otra hora, STOP para no recibir mensajes."),
}
STEPS = ((10080, "email"), (1440, "email"), (1440, "sms"), (120, "sms"))


def create_reminders(organization: Organization) -> ReminderPolicy:
    MessagingSettings.objects.get_or_create(organization=organization)
    templates = {}
    for language in ("en", "es"):
        email = MessageTemplate.objects.create(organization=organization, key="reminder", language=language,
                                               channel="email", subject=EMAIL_SUBJECT[language],
                                               body=EMAIL_BODY[language])
        sms = MessageTemplate.objects.create(organization=organization, key="reminder", language=language,
                                             channel="sms", body=SMS_BODY[language])
        if language == "en":
            templates = {"email": email, "sms": sms}
    policy = ReminderPolicy.objects.create(organization=organization, name="Standard reminders", active=True)
    for offset, channel in STEPS:
        ReminderStep.objects.create(policy=policy, offset_minutes=offset, channel=channel, template=templates[channel])
    return policy
