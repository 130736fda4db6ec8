"""The person's choices: objections to sharing an organisation's records, items sealed from professionals, and the
national data opt-out (research and planning only).

The gate (`socialdata.access`) reads these at every direct-care decision; the citizen's pages change them here.
"""

from socialdata.consent.objections import active_objections, record_objection, withdraw_objection
from socialdata.consent.opt_out import has_national_opt_out, set_national_opt_out
from socialdata.consent.sealing import ItemRef, seal_item, sealed_refs, unseal_item

__all__ = [
    "ItemRef",
    "active_objections",
    "has_national_opt_out",
    "record_objection",
    "seal_item",
    "sealed_refs",
    "set_national_opt_out",
    "unseal_item",
    "withdraw_objection",
]
