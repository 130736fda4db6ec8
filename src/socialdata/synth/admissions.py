"""Who is in the trust's beds or its A&E when the feeds are cut, so that a city of N people has its share of the
bed state's inpatients (a ~900-bed trust serves ~500,000 people: about 0.18% of a city is in hospital at any moment).
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from socialdata.synth.health import age_band
from socialdata.synth.organisations import CITY_DATE
from socialdata.synth.population import Person

FEED_CUT = dt.datetime(CITY_DATE.year, CITY_DATE.month, CITY_DATE.day, 6, tzinfo=dt.UTC)
"""The moment the trust's extract is taken (its Bundles' timestamp): "now" for who is in hospital."""
INPATIENT_SHARE = (0.0006, 0.0012, 0.0038, 0.0098)
"""The chance of being admitted now, by age band (<40, 40-64, 65-79, 80+): about 0.13% of a UK city; with the recent
admissions of the past history that have not ended yet (about 0.05%), some 0.18% of the city is on a ward."""
IN_AE_SHARE = (0.0003, 0.0002, 0.0004, 0.0008)
"""The chance of being in A&E now, by age band: about 0.03% of a city (a few people in a city of 10,000)."""
MEAN_DAYS_IN = 4.0
"""Current inpatients were admitted a few days ago (mean), never more than LONGEST_DAYS_IN."""
LONGEST_DAYS_IN = 21
FORCE_WITHIN = 20
"""In a city too small to expect an inpatient, one of its first FORCE_WITHIN living adults is admitted anyway, so every
city has someone in hospital to look at."""


@dataclass(frozen=True, slots=True)
class CurrentStay:
    """A person in hospital at FEED_CUT: admitted (on a ward since `since`) or still in A&E (arrived at `since`)."""

    admitted: bool
    since: dt.datetime


class CurrentStays:
    """Decides, person by person in the city's order, who is in hospital now (deterministic for a seed)."""

    def __init__(self, people: int, seed: int) -> None:
        self._rng = random.Random(f"current-stays:{seed}")
        self._force_at = self._rng.randrange(min(FORCE_WITHIN, max(1, people // 20)))
        self._adults_seen = 0
        self._anyone = False

    def stay(self, person: Person) -> CurrentStay | None:
        if person.death_date is not None:
            return None
        rng = self._rng
        band = age_band(person.age)
        draw = rng.random()
        forced = False
        if person.age >= 18:
            forced = not self._anyone and self._adults_seen == self._force_at
            self._adults_seen += 1
        if forced or draw < INPATIENT_SHARE[band]:
            days = min(float(LONGEST_DAYS_IN), rng.expovariate(1 / MEAN_DAYS_IN))
            since = FEED_CUT - dt.timedelta(minutes=max(30, int(days * 24 * 60)))
            stay = CurrentStay(admitted=True, since=since)
        elif draw < INPATIENT_SHARE[band] + IN_AE_SHARE[band]:
            stay = CurrentStay(admitted=False, since=FEED_CUT - dt.timedelta(minutes=rng.randint(20, 360)))
        else:
            return None
        self._anyone = True
        return stay
