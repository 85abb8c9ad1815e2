"""Matching a lab result's patient to ours, without a database."""

from __future__ import annotations

from datetime import date

from clinicdesk.labs.matching import CONFIDENT, Candidate, Identity, assess

DOB = date(1965, 7, 1)
MARIA = Candidate(1, "LS000042", "García-López", "María", DOB, "female")


def lab(family: str = "GARCIA-LOPEZ", given: str = "MARIA", dob: date | None = DOB, mrn: str = "LS000042",
        sex: str = "F") -> Identity:
    return Identity(((mrn, "MR"), ("999-00-1234", "SS")) if mrn else (("999-00-1234", "SS"),),
                    family, given, dob, sex)


def test_mrn_dob_and_name_are_confident() -> None:
    result = assess(lab(), [MARIA])
    assert result.candidate_id == 1 and result.confident and result.score >= CONFIDENT
    assert result.reasons == ("same MRN", "same date of birth", "same name")


def test_accents_hyphens_and_one_surname_are_tolerated() -> None:
    for family in ("Garcia Lopez", "GARCÍA LÓPEZ", "Garcia", "GarciaLopez"):
        result = assess(lab(family=family), [MARIA])
        assert result.confident, (family, result)


def test_the_practice_prefix_is_added_to_a_bare_mrn_number() -> None:
    assert assess(lab(mrn="000042"), [MARIA], mrn_prefix="LS").confident
    without_prefix = assess(lab(mrn="000042"), [MARIA])  # no MRN match, but the exact name and DOB, unique
    assert without_prefix.score == CONFIDENT and "same MRN" not in without_prefix.reasons
    assert assess(lab(mrn="000042", family="Garcia"), [MARIA]).score < CONFIDENT  # not the exact name


def test_swapped_given_and_family_names_with_mrn_are_confident_without_it_review() -> None:
    swapped = lab(family="MARIA", given="GARCIA-LOPEZ")
    assert assess(swapped, [MARIA]).confident
    result = assess(lab(family="MARIA", given="GARCIA-LOPEZ", mrn=""), [MARIA])
    assert result.candidate_id == 1 and not result.confident


def test_a_wrong_date_of_birth_needs_review() -> None:
    result = assess(lab(dob=date(1965, 1, 7)), [MARIA])
    assert result.candidate_id == 1 and not result.confident
    assert "different date of birth" in result.reasons


def test_the_mrn_of_a_different_patient_with_the_same_name_needs_review() -> None:
    namesake = Candidate(2, "LS000077", "Garcia-Lopez", "Maria", date(1990, 2, 2), "female")
    result = assess(lab(mrn="LS000077"), [MARIA, namesake])
    assert not result.confident and result.score < CONFIDENT
    assert "the MRN sent belongs to another patient" in result.reasons


def test_name_and_dob_without_mrn_are_confident_only_when_unique() -> None:
    assert assess(lab(mrn=""), [MARIA]).confident
    twin = Candidate(3, "LS000099", "Garcia Lopez", "Maria", DOB, "female")
    result = assess(lab(mrn=""), [MARIA, twin])
    assert not result.confident
    assert "another patient has the same name and date of birth" in result.reasons


def test_a_different_sex_needs_review() -> None:
    result = assess(lab(sex="M"), [MARIA])
    assert not result.confident and "different sex" in result.reasons
    assert assess(lab(sex="U"), [MARIA]).confident


def test_nobody_alike_means_no_candidate() -> None:
    other = Candidate(4, "LS000001", "Smith", "John", date(1970, 1, 1), "male")
    result = assess(lab(), [other])
    assert (result.candidate_id, result.score, result.confident) == (None, 0.0, False)
    assert not assess(lab(), []).confident


def test_an_mrn_with_a_different_name_and_dob_is_only_a_weak_candidate() -> None:
    other = Candidate(5, "LS000042", "Smith", "John", date(1970, 1, 1), "male")
    result = assess(lab(), [other])
    assert result.candidate_id == 5 and result.score < 0.5
