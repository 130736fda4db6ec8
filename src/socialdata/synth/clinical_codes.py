"""A modest table of real clinical codes (SNOMED CT, ICD-10, OPCS-4, dm+d) for the city's health records.

Prevalences are rough shares of people with the condition by age band (<40, 40-64, 65-79, 80+), from QOF registers
and national surveys; `sensitive` marks items the shared care record must treat with care (sexual health, mental
health, safeguarding).
"""

from __future__ import annotations

from dataclasses import dataclass

SNOMED = "http://snomed.info/sct"
ICD10 = "http://hl7.org/fhir/sid/icd-10"
OPCS4 = "https://fhir.hl7.org.uk/Id/opcs-4"
DMD = "https://dmd.nhs.uk"


@dataclass(frozen=True)
class Code:
    code: str
    display: str


@dataclass(frozen=True)
class ConditionCode:
    key: str
    snomed: Code
    icd10: Code | None
    prevalence: tuple[float, float, float, float]
    sex: str | None = None  # only this sex
    min_age: int = 0
    max_age: int = 120
    chronic: bool = True
    sensitive: str | None = None  # sexual_health, mental_health, safeguarding
    medications: tuple[str, ...] = ()
    service: str = "general"


@dataclass(frozen=True)
class Medication:
    key: str
    dmd: Code
    dose: str


@dataclass(frozen=True)
class ProcedureCode:
    snomed: Code
    opcs4: Code | None


MEDICATIONS: dict[str, Medication] = {
    m.key: m
    for m in (
        Medication("amlodipine", Code("319283006", "Amlodipine 5mg tablets"), "One tablet once a day"),
        Medication("ramipril", Code("319773006", "Ramipril 5mg capsules"), "One capsule once a day"),
        Medication("metformin", Code("325278007", "Metformin 500mg tablets"), "One tablet twice a day with food"),
        Medication("atorvastatin", Code("320000009", "Atorvastatin 20mg tablets"), "One tablet at night"),
        Medication("furosemide", Code("317972000", "Furosemide 40mg tablets"), "One tablet each morning"),
        Medication("apixaban", Code("42206511000001102", "Apixaban 5mg tablets"), "One tablet twice a day"),
        Medication(
            "salbutamol",
            Code("39113611000001102", "Salbutamol 100micrograms/dose inhaler CFC free"),
            "Two puffs when required",
        ),
        Medication("paracetamol", Code("322236009", "Paracetamol 500mg tablets"), "Two tablets up to four times a day"),
    )
}

CONDITIONS: tuple[ConditionCode, ...] = (
    ConditionCode("hypertension", Code("38341003", "Hypertensive disorder"),
                  Code("I10", "Essential (primary) hypertension"), (0.03, 0.2, 0.45, 0.6),
                  medications=("amlodipine", "ramipril"), service="general"),
    ConditionCode("diabetes", Code("44054006", "Type 2 diabetes mellitus"),
                  Code("E11.9", "Type 2 diabetes mellitus without complications"), (0.01, 0.07, 0.15, 0.17),
                  medications=("metformin", "atorvastatin"), service="diabetes"),
    ConditionCode("copd", Code("13645005", "Chronic obstructive lung disease"),
                  Code("J44.9", "Chronic obstructive pulmonary disease, unspecified"), (0.002, 0.03, 0.08, 0.1),
                  min_age=35, medications=("salbutamol",)),
    ConditionCode("asthma", Code("195967001", "Asthma"), Code("J45.9", "Asthma, unspecified"),
                  (0.08, 0.07, 0.07, 0.06), medications=("salbutamol",)),
    ConditionCode("af", Code("49436004", "Atrial fibrillation"),
                  Code("I48.9", "Atrial fibrillation and atrial flutter, unspecified"), (0.0, 0.01, 0.07, 0.15),
                  medications=("apixaban",), service="cardiology"),
    ConditionCode("heart_failure", Code("84114007", "Heart failure"), Code("I50.9", "Heart failure, unspecified"),
                  (0.0, 0.005, 0.03, 0.08), medications=("furosemide", "ramipril"), service="cardiology"),
    ConditionCode("ihd", Code("414545008", "Ischemic heart disease"),
                  Code("I25.9", "Chronic ischaemic heart disease, unspecified"), (0.0, 0.03, 0.1, 0.15),
                  medications=("atorvastatin",), service="cardiology"),
    ConditionCode("ckd", Code("433144002", "Chronic kidney disease stage 3"),
                  Code("N18.3", "Chronic kidney disease, stage 3"), (0.0, 0.03, 0.15, 0.3)),
    ConditionCode("dementia", Code("52448006", "Dementia"), Code("F03", "Unspecified dementia"),
                  (0.0, 0.002, 0.03, 0.15), min_age=50, service="elderly"),
    ConditionCode("osteoarthritis_knee", Code("239873007", "Osteoarthritis of knee"),
                  Code("M17.9", "Gonarthrosis, unspecified"), (0.0, 0.05, 0.15, 0.2), medications=("paracetamol",),
                  service="orthopaedic"),
    ConditionCode("breast_cancer", Code("254837009", "Malignant neoplasm of breast"),
                  Code("C50.9", "Malignant neoplasm of breast, unspecified"), (0.001, 0.01, 0.02, 0.02), sex="F",
                  min_age=25, service="oncology"),
    ConditionCode("depression", Code("35489007", "Depressive disorder"),
                  Code("F32.9", "Depressive episode, unspecified"), (0.08, 0.09, 0.07, 0.07), min_age=12,
                  sensitive="mental_health", service="mental_health"),
    ConditionCode("anxiety", Code("197480006", "Anxiety disorder"), Code("F41.9", "Anxiety disorder, unspecified"),
                  (0.07, 0.06, 0.04, 0.03), min_age=10, sensitive="mental_health", service="mental_health"),
    ConditionCode("schizophrenia", Code("58214004", "Schizophrenia"), Code("F20.9", "Schizophrenia, unspecified"),
                  (0.004, 0.005, 0.004, 0.003), min_age=16, sensitive="mental_health", service="mental_health"),
    ConditionCode("bipolar", Code("13746004", "Bipolar disorder"),
                  Code("F31.9", "Bipolar affective disorder, unspecified"), (0.005, 0.005, 0.004, 0.002), min_age=16,
                  sensitive="mental_health", service="mental_health"),
    ConditionCode("alcohol", Code("7200002", "Alcoholism"),
                  Code("F10.2", "Mental and behavioural disorders due to use of alcohol: dependence syndrome"),
                  (0.01, 0.012, 0.006, 0.002), min_age=18, sensitive="mental_health", service="mental_health"),
    ConditionCode("hiv", Code("86406008", "Human immunodeficiency virus infection"),
                  Code("B24", "Unspecified human immunodeficiency virus [HIV] disease"), (0.003, 0.003, 0.001, 0.0),
                  min_age=16, sensitive="sexual_health", service="sexual_health"),
    ConditionCode("chlamydia", Code("105629000", "Chlamydial infection"),
                  Code("A56.0", "Chlamydial infection of lower genitourinary tract"), (0.03, 0.003, 0.0, 0.0),
                  min_age=16, max_age=45, chronic=False, sensitive="sexual_health", service="sexual_health"),
    ConditionCode("gonorrhoea", Code("15628003", "Gonorrhea"), Code("A54.9", "Gonococcal infection, unspecified"),
                  (0.006, 0.001, 0.0, 0.0), min_age=16, max_age=45, chronic=False, sensitive="sexual_health",
                  service="sexual_health"),
    ConditionCode("vulnerable_adult", Code("417430008", "Vulnerable adult"), None, (0.002, 0.003, 0.01, 0.03),
                  min_age=18, sensitive="safeguarding", service="safeguarding"),
    ConditionCode("domestic_abuse", Code("412732008", "History of domestic violence"), None,
                  (0.01, 0.006, 0.002, 0.001), min_age=16, sensitive="safeguarding", service="safeguarding"),
    ConditionCode("safeguarding_referral", Code("514331000000104", "Adult safeguarding referral"), None,
                  (0.002, 0.003, 0.008, 0.02), min_age=18, chronic=False, sensitive="safeguarding",
                  service="safeguarding"),
    ConditionCode("self_harm", Code("248062006", "Self-injurious behavior"),
                  Code("X84", "Intentional self-harm by unspecified means"), (0.01, 0.004, 0.001, 0.0), min_age=12,
                  chronic=False, sensitive="mental_health", service="emergency"),
)  # fmt: skip

# Reasons for an unplanned attendance, with the share of attenders by age band who come for each.
ACUTE: tuple[ConditionCode, ...] = (
    ConditionCode("pneumonia", Code("233604007", "Pneumonia"), Code("J18.9", "Pneumonia, unspecified"),
                  (0.05, 0.08, 0.15, 0.2), chronic=False),
    ConditionCode("uti", Code("68566005", "Urinary tract infectious disease"),
                  Code("N39.0", "Urinary tract infection, site not specified"), (0.08, 0.08, 0.12, 0.18),
                  chronic=False),
    ConditionCode("cellulitis", Code("128045006", "Cellulitis"), Code("L03.9", "Cellulitis, unspecified"),
                  (0.08, 0.08, 0.08, 0.08), chronic=False),
    ConditionCode("sepsis", Code("91302008", "Sepsis"), Code("A41.9", "Sepsis, unspecified"),
                  (0.01, 0.02, 0.05, 0.08), chronic=False),
    ConditionCode("appendicitis", Code("74400008", "Appendicitis"), Code("K37", "Unspecified appendicitis"),
                  (0.06, 0.02, 0.01, 0.005), chronic=False, service="surgical"),
    ConditionCode("hip_fracture", Code("5913000", "Fracture of neck of femur"),
                  Code("S72.0", "Fracture of neck of femur"), (0.0, 0.005, 0.04, 0.12), chronic=False,
                  service="orthopaedic"),
    ConditionCode("mi", Code("22298006", "Myocardial infarction"),
                  Code("I21.9", "Acute myocardial infarction, unspecified"), (0.005, 0.04, 0.06, 0.05), chronic=False,
                  service="cardiology"),
    ConditionCode("stroke", Code("230690007", "Cerebrovascular accident"),
                  Code("I64", "Stroke, not specified as haemorrhage or infarction"), (0.002, 0.02, 0.05, 0.07),
                  chronic=False, service="elderly"),
    ConditionCode("covid", Code("840539006", "Disease caused by severe acute respiratory syndrome coronavirus 2"),
                  Code("U07.1", "COVID-19, virus identified"), (0.03, 0.04, 0.05, 0.06), chronic=False),
    ConditionCode("anaemia", Code("271737000", "Anemia"), Code("D64.9", "Anaemia, unspecified"),
                  (0.02, 0.03, 0.05, 0.06), chronic=False),
)  # fmt: skip

PROCEDURES: dict[str, ProcedureCode] = {
    "appendicitis": ProcedureCode(Code("80146002", "Appendectomy"), Code("H01.9", "Emergency excision of appendix")),
    "hip_fracture": ProcedureCode(
        Code("52734007", "Total replacement of hip"),
        Code("W37.1", "Primary total prosthetic replacement of hip joint using cement"),
    ),
    "osteoarthritis_knee": ProcedureCode(
        Code("609588000", "Total knee replacement"),
        Code("W40.1", "Primary total prosthetic replacement of knee joint using cement"),
    ),
    "mi": ProcedureCode(Code("415070008", "Percutaneous coronary intervention"), None),
    "stroke": ProcedureCode(Code("303653007", "Computed tomography of head"), None),
    "chest": ProcedureCode(Code("399208008", "Plain chest X-ray"), None),
    "ecg": ProcedureCode(Code("29303009", "Electrocardiographic procedure"), None),
}

ALLERGIES: tuple[tuple[Code, float], ...] = (
    (Code("91936005", "Allergy to penicillin"), 0.06),
    (Code("91935009", "Allergy to peanuts"), 0.01),
    (Code("300916003", "Latex allergy"), 0.005),
    (Code("293586001", "Aspirin allergy"), 0.005),
    (Code("300913006", "Shellfish allergy"), 0.005),
)

# Hospital services (SNOMED CT, UK Core care setting type) by the kind of condition seen.
SERVICES: dict[str, Code] = {
    "emergency": Code("409971007", "Emergency medicine service"),
    "general": Code("700232004", "General medical service"),
    "elderly": Code("700221004", "Elderly medicine service"),
    "cardiology": Code("789718008", "Cardiology service"),
    "surgical": Code("310156009", "General surgical service"),
    "orthopaedic": Code("983641000000106", "Fracture liaison service"),
    "diabetes": Code("963151000000104", "Diabetic medicine service"),
    "oncology": Code("310022001", "Clinical oncology service"),
    "mental_health": Code("788002001", "Adult mental health service"),
    "sexual_health": Code("830039004", "Genitourinary medicine service"),
    "safeguarding": Code("1362761000000103", "Adult safeguarding team"),
}


@dataclass(frozen=True)
class VitalSign:
    key: str
    code: Code
    unit: str  # UCUM
    mean: float
    spread: float
    decimals: int


VITAL_SIGNS: tuple[VitalSign, ...] = (
    VitalSign("heart_rate", Code("364075005", "Heart rate"), "/min", 82, 14, 0),
    VitalSign("systolic", Code("271649006", "Systolic blood pressure"), "mm[Hg]", 132, 18, 0),
    VitalSign("diastolic", Code("271650006", "Diastolic blood pressure"), "mm[Hg]", 79, 10, 0),
    VitalSign("temperature", Code("386725007", "Body temperature"), "Cel", 37.1, 0.6, 1),
    VitalSign("spo2", Code("431314004", "Peripheral oxygen saturation"), "%", 96, 2, 0),
    VitalSign("respiratory_rate", Code("86290005", "Respiratory rate"), "/min", 18, 3, 0),
)
WEIGHT = VitalSign("weight", Code("27113001", "Body weight"), "kg", 78, 15, 1)
BMI = VitalSign("bmi", Code("60621009", "Body mass index"), "kg/m2", 27, 5, 1)
HBA1C = VitalSign("hba1c", Code("999791000000106", "Haemoglobin A1c level - IFCC standardised"), "mmol/mol", 56, 12, 0)
SMOKING: tuple[tuple[Code, float], ...] = (
    (Code("266919005", "Never smoked tobacco"), 0.55),
    (Code("8517006", "Ex-smoker"), 0.3),
    (Code("77176002", "Smoker"), 0.15),
)
