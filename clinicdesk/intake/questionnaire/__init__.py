"""Intake forms as FHIR R4 Questionnaires: loading, enableWhen, validation, QuestionnaireResponse.

Pure: the standard library, plus ``fhir.resources`` (R4B) to check structure when loading a
Questionnaire and when reading or building a QuestionnaireResponse. No Django.

Answers
-------
Answers are a flat mapping from an item's *instance key* to its value::

    {
        "dob": "1980-04-02",                          # a top-level question
        "contact/phone": "555-0100",                  # a question inside a (non-repeating) group
        "medications[0]/med-name": "Metformin",       # inside instance 0 of a repeating group
        "medications[1]/med-name": "Lisinopril",      # instance 1
        "conditions": ["diabetes", "hypertension"],   # a repeating (multi-choice) question: a list
    }

The key is the path of linkIds from the top of the form, joined by ``/``; a repeating group's
segment carries its instance index in brackets. So linkIds may not contain ``/``, ``[`` or ``]``
(checked on load). Keys that name no question are ignored.

Values may be raw (strings as typed in a form: ``"72.5"``, ``"yes"``, ``"1980-04-02"``) or typed;
``clean`` turns them into typed values:

=========== =============================================================
string/text ``str`` (stripped; empty means unanswered)
integer     ``int``
decimal     ``Decimal``
date        ``datetime.date``
boolean     ``bool`` (raw "yes"/"no"/"true"/"false" accepted)
choice      the option's code (``valueCoding.code``, or its ``valueString``)
=========== =============================================================

A question with ``repeats`` takes a list. ``None``, ``""`` and ``[]`` mean unanswered.

Rules beyond core FHIR
----------------------
An item may carry the extension ``RULE_EXTENSION`` with a ``valueCode``:

* ``past-date`` on a date: it may not be after today (a birth date, a surgery date).
* ``must-be-true`` on a boolean: only ``true`` is an acceptable answer (an acknowledgement, a
  consent). Combined with ``required`` it means "must be ticked"; ``required`` alone on a boolean
  only means yes or no must be given, so yes/no questions can be required too.

enableWhen
----------
R4 semantics: an item is enabled when any (``enableBehavior`` any, the default) or all of its
conditions hold, and its ancestors are enabled. A condition holds when *at least one* answer to the
question satisfies it; ``exists`` true/false asks whether there is any answer. Following the R4 text
(not R5's), ``!=`` needs an answer: an unanswered question is not "!= self".
Inside a repeating group, a question in the same group instance is read from that instance (an
allergy's severity follows *its own* reaction); a question in a repeating group the item is not
inside is read from any instance. Answers to disabled items are dropped, not errors; a dropped or
invalid answer enables nothing (``clean`` re-reads the conditions from the valid answers until
nothing changes).
"""

from __future__ import annotations

from clinicdesk.intake.questionnaire.conditions import (
    enabled,
)
from clinicdesk.intake.questionnaire.model import (
    FORMS_DIR,
    OPERATORS,
    QUESTION_TYPES,
    RULE_EXTENSION,
    RULES,
    STANDARD_FORMS,
    SUPPORTED_TYPES,
    VALUE_KEY,
    Answers,
    Condition,
    Item,
    Option,
    Problem,
    Questionnaire,
    Value,
    load,
    load_file,
    parse_key,
    standard_form,
)
from clinicdesk.intake.questionnaire.response import (
    from_response,
    to_response,
)
from clinicdesk.intake.questionnaire.validation import (
    clean,
    validate,
)

__all__ = [
    "FORMS_DIR",
    "OPERATORS",
    "QUESTION_TYPES",
    "RULES",
    "RULE_EXTENSION",
    "STANDARD_FORMS",
    "SUPPORTED_TYPES",
    "VALUE_KEY",
    "Answers",
    "Condition",
    "Item",
    "Option",
    "Problem",
    "Questionnaire",
    "Value",
    "clean",
    "enabled",
    "from_response",
    "load",
    "load_file",
    "parse_key",
    "standard_form",
    "to_response",
    "validate",
]
