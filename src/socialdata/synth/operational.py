"""Operational feeds for planners: the trust's bed state and supplies, and care homes' vacancies, day by day."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from pathlib import Path

from socialdata.synth.csv_files import BED_STATE_COLUMNS, CARE_HOME_VACANCY_COLUMNS, SUPPLY_STOCK_COLUMNS, CsvFile
from socialdata.synth.organisations import CARE_HOMES, CITY_DATE

DAYS = 60


@dataclass(frozen=True)
class Ward:
    name: str
    specialty: str
    beds: int
    occupancy: float


WARDS: tuple[Ward, ...] = (
    Ward("Ward 1 Acute Medical Unit", "Acute Medicine", 36, 0.95),
    Ward("Ward 2 Elderly Care", "Geriatric Medicine", 28, 0.97),
    Ward("Ward 3 Elderly Care", "Geriatric Medicine", 28, 0.96),
    Ward("Ward 4 Cardiology", "Cardiology", 24, 0.9),
    Ward("Ward 5 Respiratory", "Respiratory Medicine", 28, 0.94),
    Ward("Ward 6 Stroke Unit", "Stroke Medicine", 20, 0.92),
    Ward("Ward 7 Gastroenterology", "Gastroenterology", 24, 0.9),
    Ward("Ward 8 General Surgery", "General Surgery", 30, 0.88),
    Ward("Ward 9 Trauma and Orthopaedics", "Trauma and Orthopaedics", 30, 0.93),
    Ward("Ward 10 Elective Orthopaedics", "Trauma and Orthopaedics", 18, 0.8),
    Ward("Ward 11 Gynaecology", "Gynaecology", 16, 0.75),
    Ward("Ward 12 Maternity", "Obstetrics", 32, 0.78),
    Ward("Ward 14 Paediatrics", "Paediatrics", 24, 0.72),
    Ward("Ward 15 Oncology", "Clinical Oncology", 20, 0.87),
    Ward("Critical Care Unit", "Critical Care Medicine", 16, 0.85),
    Ward("Discharge Lounge", "Acute Medicine", 12, 0.6),
)


@dataclass(frozen=True)
class Supply:
    code: str
    name: str
    unit: str
    daily_use: int


SITES = ("Avonford General Hospital", "Avonford Community Hospital", "Kingsweston Treatment Centre")
SUPPLIES: tuple[Supply, ...] = (
    Supply("FTK001", "Nitrile examination gloves, medium", "box of 100", 180),
    Supply("FTK002", "FFP3 respirator masks", "box of 20", 25),
    Supply("FTK003", "Type IIR surgical face masks", "box of 50", 60),
    Supply("FTK004", "Disposable aprons", "roll of 200", 30),
    Supply("FTK005", "Alcohol hand rub 500ml", "bottle", 90),
    Supply("FTK006", "Sodium chloride 0.9% infusion 1 litre", "bag", 220),
    Supply("FTK007", "IV giving sets", "each", 200),
    Supply("FTK008", "Syringes 10ml Luer lock", "box of 100", 15),
    Supply("FTK009", "Blood culture bottles", "each", 70),
    Supply("FTK010", "Oxygen cylinders size F", "cylinder", 12),
)
_SITE_SCALE = (1.0, 0.35, 0.2)


def _days() -> list[dt.date]:
    return [CITY_DATE - dt.timedelta(days=DAYS - 1 - i) for i in range(DAYS)]


def write_bed_state(path: Path, seed: int) -> None:
    rng = random.Random(f"{seed}:beds")
    out = CsvFile(path, BED_STATE_COLUMNS)
    for day in _days():
        winter = 0.02 * (day - _days()[0]).days / DAYS
        weekend = -0.04 if day.weekday() >= 5 else 0.0
        for ward in WARDS:
            closed = rng.choice((0, 0, 0, 0, 0, 0, 0, 0, 1, 2)) if ward.beds > 20 else 0
            open_beds = ward.beds - closed
            occupied = round(open_beds * min(1.0, ward.occupancy + winter + weekend + rng.gauss(0, 0.03)))
            out.write((day.isoformat(), ward.name, ward.specialty, open_beds, max(0, min(open_beds, occupied))))
    out.close()


def write_care_home_vacancies(path: Path, seed: int) -> None:
    rng = random.Random(f"{seed}:care-homes")
    out = CsvFile(path, CARE_HOME_VACANCY_COLUMNS)
    vacancies = {home.code: rng.randint(0, 4) for home in CARE_HOMES}
    outbreak = {home.code: 0 for home in CARE_HOMES}
    for day in _days():
        for home in CARE_HOMES:
            vacancies[home.code] = max(0, min(home.beds // 5, vacancies[home.code] + rng.choice((-1, 0, 0, 0, 1))))
            if outbreak[home.code] == 0 and rng.random() < 0.005:
                outbreak[home.code] = rng.randint(7, 21)  # closed to admissions during an outbreak
            accepting = vacancies[home.code] > 0 and outbreak[home.code] == 0
            outbreak[home.code] = max(0, outbreak[home.code] - 1)
            out.write(
                (day.isoformat(), home.code, home.name, home.beds, vacancies[home.code], "Y" if accepting else "N")
            )
    out.close()


def write_supply_stock(path: Path, seed: int) -> None:
    rng = random.Random(f"{seed}:supplies")
    out = CsvFile(path, SUPPLY_STOCK_COLUMNS)
    stock = {(site, s.code): s.daily_use * rng.randint(8, 20) for site in SITES for s in SUPPLIES}
    for day in _days():
        for site, scale in zip(SITES, _SITE_SCALE, strict=True):
            for supply in SUPPLIES:
                use = max(1, round(supply.daily_use * scale))
                key = (site, supply.code)
                stock[key] = max(0, stock[key] - round(use * rng.uniform(0.7, 1.3)))
                if day.weekday() in (0, 3) or stock[key] < use * 3:
                    stock[key] += use * rng.randint(3, 8)  # twice-weekly deliveries, and urgent top-ups
                out.write(
                    (
                        day.isoformat(),
                        site,
                        supply.code,
                        supply.name,
                        stock[key],
                        supply.unit,
                        round(stock[key] / use, 1),
                    )
                )
    out.close()
