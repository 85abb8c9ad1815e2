"""Fixed facts of the demo practice: a two-office medical group in central Ohio (Eastern time).

Everything here is invented except public codes: NUCC taxonomy codes, X12 claim filing indicators,
real town names with their ZIP codes and real area codes. Street numbers, NPIs (made with a valid
check digit), tax id and people are synthetic.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

# Birth dates are drawn relative to this fixed day, so one seed gives the same practice on any day.
AS_OF = date(2026, 1, 1)

ORGANIZATION = {
    "name": "Riverbend Medical Group",
    "timezone": "America/New_York",
    "mrn_prefix": "RB",
    "next_mrn": 10001,
    "line1": "3150 N High St",
    "city": "Columbus",
    "state": "OH",
    "postal_code": "43202",
}


@dataclass(frozen=True)
class LocationSpec:
    key: str
    name: str
    line1: str
    city: str
    postal_code: str
    rooms: tuple[tuple[str, str], ...]  # (name, kind)


_EXAMS = tuple((f"Exam {n}", "exam") for n in range(1, 7))
LOCATIONS = (
    LocationSpec("clintonville", "Clintonville", "3150 N High St", "Columbus", "43202",
                 _EXAMS + (("Procedure 1", "procedure"), ("X-ray", "imaging"), ("Ultrasound", "imaging"))),
    LocationSpec("westerville", "Westerville", "455 W Schrock Rd", "Westerville", "43081",
                 _EXAMS[:4] + (("Procedure 1", "procedure"), ("Minor procedure", "procedure"),
                               ("X-ray", "imaging"))),
)

# (department, location key or "" for both offices)
DEPARTMENTS = (
    ("Primary care", ""),
    ("Cardiology", "clintonville"),
    ("Dermatology", "westerville"),
    ("Orthopedics", "westerville"),
    ("Women's health", "clintonville"),
    ("Imaging", ""),
)


@dataclass(frozen=True)
class PractitionerSpec:
    key: str
    given: str
    family: str
    credentials: str
    specialty: str
    taxonomy: str  # NUCC health care provider taxonomy code
    department: str
    locations: tuple[str, ...]


PRACTITIONERS = (
    PractitionerSpec("family", "Eleanor", "Whitfield", "MD", "Family medicine", "207Q00000X", "Primary care",
                     ("clintonville", "westerville")),
    PractitionerSpec("internal", "Rahul", "Desai", "DO", "Internal medicine", "207R00000X", "Primary care",
                     ("clintonville",)),
    PractitionerSpec("pediatrics", "Sofía", "Márquez", "MD", "Pediatrics", "208000000X", "Primary care",
                     ("westerville", "clintonville")),
    PractitionerSpec("cardiology", "James", "O'Connell", "MD, FACC", "Cardiovascular disease", "207RC0000X",
                     "Cardiology", ("clintonville",)),
    PractitionerSpec("dermatology", "Linh", "Nguyen", "MD", "Dermatology", "207N00000X", "Dermatology",
                     ("westerville",)),
    PractitionerSpec("orthopedics", "Marcus", "Bell-Hartley", "MD", "Orthopaedic surgery", "207X00000X",
                     "Orthopedics", ("westerville",)),
    PractitionerSpec("obgyn", "Hannah", "Kowalski", "MD", "Obstetrics & gynecology", "207V00000X",
                     "Women's health", ("clintonville",)),
    PractitionerSpec("radiology", "Samuel", "Adeyemi", "MD", "Diagnostic radiology", "2085R0202X", "Imaging",
                     ("clintonville", "westerville")),
)
CLINICIAN_PRACTITIONER = "family"


@dataclass(frozen=True)
class PayerSpec:
    key: str
    name: str
    payer_id: str
    indicator: str  # X12 837P SBR09 claim filing indicator
    plans: tuple[tuple[str, str], ...]  # (plan name, plan type)


# Aetna (60054), UnitedHealthcare (87726) and Medicare (15202, commonly listed for Ohio Part B) carry
# widely used clearinghouse payer ids; the Medicaid and BCBS ids are demo values. Check with the
# clearinghouse before sending real claims.
PAYERS = (
    PayerSpec("medicare", "Medicare Part B", "15202", "MB", (("Original Medicare", "Medicare"),)),
    PayerSpec("medicaid", "Ohio Medicaid", "OHMCD", "MC", (("Medicaid fee-for-service", "Medicaid"),)),
    PayerSpec("bcbs", "Anthem Blue Cross and Blue Shield", "ANTHM", "BL",
              (("Blue Access PPO", "PPO"), ("Pathway HMO", "HMO"), ("Medicare Supplement Plan G", "Medigap"))),
    PayerSpec("aetna", "Aetna", "60054", "CI", (("Open Access Managed Choice", "POS"), ("Aetna HMO", "HMO"))),
    PayerSpec("uhc", "UnitedHealthcare", "87726", "CI", (("Choice Plus", "PPO"), ("Navigate", "HMO"))),
)

# Central Ohio towns, their ZIP codes, and how many of the practice's patients live there (weights).
CITIES = (
    ("Columbus", ("43201", "43202", "43203", "43204", "43206", "43209", "43211", "43214", "43215", "43219",
                  "43220", "43224", "43229", "43235"), 40),
    ("Westerville", ("43081", "43082"), 12),
    ("Worthington", ("43085",), 5),
    ("Dublin", ("43016", "43017"), 5),
    ("Gahanna", ("43230",), 4),
    ("Hilliard", ("43026",), 4),
    ("Upper Arlington", ("43221",), 4),
    ("Delaware", ("43015",), 4),
    ("Lewis Center", ("43035",), 4),
    ("Powell", ("43065",), 3),
    ("Reynoldsburg", ("43068",), 3),
    ("Grove City", ("43123",), 3),
    ("Pickerington", ("43147",), 2),
    ("Marysville", ("43040",), 2),
    ("Newark", ("43055",), 2),
    ("Lancaster", ("43130",), 2),
    ("Canal Winchester", ("43110",), 1),
)

# Local area codes first, then those of people who kept the number from elsewhere.
AREA_CODES = ((614, 45), (380, 8), (740, 14), (937, 5), (419, 3), (513, 3), (330, 2), (216, 2),
              (212, 1), (305, 1), (312, 1), (404, 1), (415, 1), (617, 1), (702, 1), (206, 1), (347, 1))

# Faker locales of the patient population, with their weight and the languages their speakers prefer.
LOCALES = (
    ("en_US", 72, (("en", 100),)),
    ("es_MX", 13, (("es", 55), ("en", 45))),
    ("vi_VN", 3, (("vi", 50), ("en", 50))),
    ("en_IN", 3, (("en", 70), ("hi", 30))),
    ("pl_PL", 2, (("pl", 30), ("en", 70))),
    ("fr_FR", 2, (("fr", 35), ("en", 65))),
    ("de_DE", 2, (("de", 15), ("en", 85))),
    ("pt_BR", 2, (("pt", 50), ("en", 50))),
    ("it_IT", 1, (("it", 15), ("en", 85))),
)

# Age bands (years, inclusive) and their share of the patients, near the US population pyramid.
AGE_BANDS = (((0, 4), 6), ((5, 17), 16), ((18, 34), 21), ((35, 49), 19), ((50, 64), 19), ((65, 79), 14),
             ((80, 99), 5))

NICKNAMES = {
    "William": "Bill", "Robert": "Bob", "Elizabeth": "Liz", "Katherine": "Kate", "Margaret": "Peggy",
    "Richard": "Rick", "James": "Jim", "Jennifer": "Jen", "Michael": "Mike", "Christopher": "Chris",
    "Alejandro": "Alex", "Guadalupe": "Lupe", "Francisco": "Paco", "Jose": "Pepe", "Deborah": "Debbie",
}
ALERTS = ("Allergy: penicillin", "Allergy: latex", "Allergy: sulfa drugs", "Allergy: peanuts",
          "Needs an interpreter", "Hard of hearing", "Uses a wheelchair", "Allergy: iodinated contrast")
EMAIL_DOMAINS = ("example.com", "example.org", "example.net")  # reserved: demo mail never reaches anyone
