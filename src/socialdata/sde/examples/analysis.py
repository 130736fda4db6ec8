# An example analysis script: reads dataset.csv (one row per person, made by the definition) and writes two
# aggregate tables to outputs/ for release. Counts under 10 are suppressed ("<10") and the rest rounded to the nearest
# 5 before they are written, as the output checkers will expect; nothing row-level goes to outputs/.
import csv
from collections import Counter
from pathlib import Path

THRESHOLD = 10
with open("dataset.csv", newline="") as dataset:
    rows = list(csv.DictReader(dataset))
outputs = Path("outputs")
outputs.mkdir(exist_ok=True)


def safe(count: int) -> str:
    return "<10" if count < THRESHOLD else str(5 * round(count / 5))


def write(name: str, header: list[str], counts: Counter[tuple[str, str]]) -> None:
    with open(outputs / name, "w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow([*header, "people"])
        for key, count in sorted(counts.items()):
            writer.writerow([*key, safe(count)])


write(
    "frequent_attenders_by_age_band.csv",
    ["age_band", "frequent_attender"],
    Counter((r["age_band"], r["frequent_attender"]) for r in rows),
)
write(
    "social_care_by_deprivation.csv",
    ["imd_decile", "social_care_service"],
    Counter((r["imd_decile"], r["social_care_service"]) for r in rows),
)
print(f"{len(rows)} people with an emergency admission in the year; wrote {sorted(p.name for p in outputs.iterdir())}")
