# An example dataset definition for the demo project: people with two or more emergency admissions in the year to
# the city's day, with their age band, deprivation decile, sex, whether they had a social care service and whether
# they have one of a few long-term conditions (codelists below). Run it with the example analysis script:
#
#     sdf project run PROJECT --definition definition.py --script analysis.py --as RESEARCHER
from socialdata.sde.definitions.query_language import (
    care_packages,
    case,
    clinical_events,
    codelist,
    create_dataset,
    hospital_admissions,
    patients,
    when,
)

INDEX_DATE = "2026-11-23"
YEAR_BEFORE = "2025-11-23"

diabetes = codelist(["44054006", "E11.9"], name="type 2 diabetes")
heart = codelist(["84114007", "I50.9", "414545008", "I25.9", "49436004", "I48.9"], name="heart disease")
copd = codelist(["13645005", "J44.9"], name="COPD")

emergencies = hospital_admissions.where(
    (hospital_admissions.admission_method == "emergency")
    & hospital_admissions.admission_date.is_on_or_between(YEAR_BEFORE, INDEX_DATE)
)
services = care_packages.where(care_packages.event_type == "service")
age = patients.age_on(INDEX_DATE)

dataset = create_dataset()
dataset.define_population(emergencies.count_for_patient() >= 1)
dataset.emergency_admissions = emergencies.count_for_patient()
dataset.frequent_attender = emergencies.count_for_patient() >= 2
dataset.age_band = case(
    when(age < 18).then("0-17"),
    when(age < 65).then("18-64"),
    when(age < 80).then("65-79"),
    otherwise="80+",
)
dataset.sex = patients.sex
dataset.imd_decile = patients.imd_decile
dataset.social_care_service = services.exists_for_patient()
dataset.diabetes = clinical_events.where(clinical_events.code.is_in(diabetes)).exists_for_patient()
dataset.heart_disease = clinical_events.where(clinical_events.code.is_in(heart)).exists_for_patient()
dataset.copd = clinical_events.where(clinical_events.code.is_in(copd)).exists_for_patient()
