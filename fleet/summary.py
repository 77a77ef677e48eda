"""What a fleet run or check reports: per database, per schema, and in total."""

from __future__ import annotations

from dataclasses import dataclass, field

from fleet.apply import SchemaOutcome


@dataclass
class DatabaseSummary:
    alias: str
    schemas: int = 0  # tenant schemas on this database
    current: int = 0  # had nothing pending
    migrated: int = 0
    failed: int = 0
    skipped: int = 0  # pending, left for a later run (--canary, --tenants)
    template_applied: int = 0
    seconds: float = 0.0

    def as_dict(self) -> dict:
        return {"schemas": self.schemas, "current": self.current, "migrated": self.migrated,
                "failed": self.failed, "skipped": self.skipped,
                "template_applied": self.template_applied, "seconds": round(self.seconds, 3)}


@dataclass
class FleetSummary:
    databases: dict[str, DatabaseSummary] = field(default_factory=dict)
    control_plane: dict[str, int] = field(default_factory=dict)  # alias -> migrations applied
    outcomes: list[SchemaOutcome] = field(default_factory=list)
    stopped_after_canary: bool = False
    seconds: float = 0.0

    @property
    def failures(self) -> list[SchemaOutcome]:
        return [outcome for outcome in self.outcomes if outcome.failed]

    @property
    def ok(self) -> bool:
        return not self.failures

    def database(self, alias: str) -> DatabaseSummary:
        return self.databases.setdefault(alias, DatabaseSummary(alias))

    def as_dict(self) -> dict:
        return {
            "ok": self.ok,
            "seconds": round(self.seconds, 3),
            "control_plane": self.control_plane,
            "databases": {alias: db.as_dict() for alias, db in sorted(self.databases.items())},
            "migrated": sum(db.migrated for db in self.databases.values()),
            "failed": [outcome.as_dict() for outcome in self.failures],
            "skipped": sum(db.skipped for db in self.databases.values()),
            "stopped_after_canary": self.stopped_after_canary,
        }


@dataclass
class FleetCheck:
    """How far behind everything is: per tenant database, and the other databases."""

    behind: dict[str, int] = field(default_factory=dict)  # tenant alias -> schemas behind
    schemas: dict[str, int] = field(default_factory=dict)  # tenant alias -> schemas checked
    templates_behind: list[str] = field(default_factory=list)
    databases_behind: dict[str, int] = field(default_factory=dict)  # control plane, audit: missing
    missing_schemas: list[str] = field(default_factory=list)  # tenants with no migrated schema
    seconds: float = 0.0

    @property
    def current(self) -> bool:
        return not (any(self.behind.values()) or self.templates_behind
                    or any(self.databases_behind.values()))

    def as_dict(self) -> dict:
        return {"current": self.current, "seconds": round(self.seconds, 3),
                "databases": {alias: {"schemas": self.schemas[alias], "behind": self.behind[alias]}
                              for alias in sorted(self.schemas)},
                "templates_behind": self.templates_behind,
                "control_plane_behind": self.databases_behind,
                "missing_schemas": self.missing_schemas}
