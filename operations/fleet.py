"""The fleet migration as an operation kind: ``fleet.services.fleet_migrate(..., progress=)``.

The fleet orchestrator lives in its own package (``fleet/``); this only adapts it to the
runner's signature (``operations.kinds``). The operation's params are its keyword arguments
(e.g. ``{"slugs": ["acme"]}`` for one tenant; none for all), and its progress is the
orchestrator's. The orchestrator keeps its own ledger per schema, so a rerun after a killed
worker continues where it stopped and ``resume_from`` is not needed.
"""

from importlib.util import find_spec

KIND = "fleet.migrate"


def fleet_migrate_run(*, params: dict, progress, resume_from: int):
    from fleet.services import fleet_migrate

    return fleet_migrate(**params, progress=progress)


def available() -> bool:
    try:
        return find_spec("fleet.services") is not None
    except ModuleNotFoundError:
        return False
