"""Intake forms: FHIR Questionnaires the patient fills in, and their QuestionnaireResponses.

``questionnaire`` is the pure kernel; ``forms/`` holds the standard forms shipped with clinicdesk.
"""
