"""What runs INSIDE a job's sandbox (`python -m socialdata.sde.job_runner`, cwd /workspace): first the dataset
definition against the read-only extract, writing dataset.csv; then the analysis script, which reads dataset.csv and
writes what it wants released under outputs/. Everything printed goes to the job's log.
"""

from __future__ import annotations

import subprocess
import sys
import traceback
from pathlib import Path

from socialdata.errors import UserError

DEFINITION_FILE = "definition.py"
SCRIPT_FILE = "analysis.py"
DATASET_FILE = "dataset.csv"
EXTRACT = Path("/extract/extract.duckdb")
DEFINITION_FAILED = 3


def run_definition_step(extract: Path) -> bool:
    """Compute the definition's rows into dataset.csv; False (with the reason printed) when it fails."""
    from socialdata.sde.definitions import load_definition, run_definition, write_results

    try:
        table = run_definition(load_definition(Path(DEFINITION_FILE)), extract)
        write_results(table, Path(DATASET_FILE))
    except UserError as exc:
        print(f"the dataset definition failed: {exc}")
        return False
    except Exception:  # the researcher's own code: show them what went wrong
        traceback.print_exc(file=sys.stdout)
        print("the dataset definition failed (see above)")
        return False
    print(f"{DATASET_FILE}: {table.num_rows} rows; columns {', '.join(table.column_names)}")
    return True


def main() -> int:
    print(f"== step 1: dataset definition ({DEFINITION_FILE}) on {EXTRACT}", flush=True)
    if not run_definition_step(EXTRACT):
        return DEFINITION_FAILED
    print(f"== step 2: analysis script ({SCRIPT_FILE})", flush=True)
    code = subprocess.run([sys.executable, SCRIPT_FILE], check=False).returncode  # noqa: S603 (inside the sandbox)
    print(f"== the analysis script exited with code {code}", flush=True)
    return code


if __name__ == "__main__":
    sys.exit(main())
