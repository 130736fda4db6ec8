"""The person's own view: their record (less what may not be shown to them), who looked at it (with inclusion proofs),
how their data was used, their choices, corrections, and a download of everything — each through the access gate.

    portal = CitizenPortal(db)
    record = portal.record(actor, person_id)        # AccessDenied unless it is the actor's own record (audited)

Professionals withhold items from the person's view with `Withholding`; partners work their correction requests with
`CorrectionQueue`.
"""

from socialdata.citizen.access_log import SHOWN_LONGEST, AccessEntry
from socialdata.citizen.choices import Choices
from socialdata.citizen.corrections import CorrectionView
from socialdata.citizen.data_uses import DataUse, DataUses
from socialdata.citizen.export_bundle import SubjectAccess, fhir_bundle
from socialdata.citizen.own_access import REFUSED as ITEM_REFUSED
from socialdata.citizen.own_access import linked_person
from socialdata.citizen.own_record import OwnItem, OwnRecord
from socialdata.citizen.partner_queue import QUEUE_ROLES, CorrectionQueue
from socialdata.citizen.portal import CitizenPortal
from socialdata.citizen.proofs import EventProof
from socialdata.citizen.withholding import REASON_WORDS, ItemForPerson, Withholding

__all__ = [
    "ITEM_REFUSED",
    "QUEUE_ROLES",
    "REASON_WORDS",
    "SHOWN_LONGEST",
    "AccessEntry",
    "Choices",
    "CitizenPortal",
    "CorrectionQueue",
    "CorrectionView",
    "DataUse",
    "DataUses",
    "EventProof",
    "ItemForPerson",
    "OwnItem",
    "OwnRecord",
    "SubjectAccess",
    "Withholding",
    "fhir_bundle",
    "linked_person",
]
