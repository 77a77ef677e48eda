"""The migration graph, loaded once per run: what every tenant schema should have, in order."""

from __future__ import annotations

import functools
import hashlib
import re
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path

from django.apps import apps as global_apps
from django.contrib.contenttypes.management import inject_rename_contenttypes_operations
from django.db.migrations import operations
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.migration import Migration
from django.db.migrations.state import ProjectState
from django.db.migrations.writer import MigrationWriter

# Operations after which content types and permissions must be (re)created (post_migrate).
MODEL_OPERATIONS = (operations.CreateModel, operations.DeleteModel, operations.RenameModel,
                    operations.AlterModelOptions)
IDENTIFIER = re.compile(r"^\w+$")


@dataclass(frozen=True)
class Step:
    key: tuple[str, str]  # (app_label, migration name)
    migration: Migration
    replayable: bool  # atomic, not a squash, and every operation reduces to SQL
    changes_models: bool

    @property
    def label(self) -> str:
        return f"{self.key[0]}.{self.key[1]}"

    @functools.cached_property
    def checksum(self) -> str:
        """Of the migration as Django would write it: collected SQL is reused only for the same
        operations (an edited migration is collected again)."""
        try:
            text = MigrationWriter(self.migration, include_header=False).as_string().encode()
        except ValueError:  # not serializable: the source file stands for it
            text = Path(sys.modules[self.migration.__module__].__file__).read_bytes()
        return hashlib.sha256(text).hexdigest()[:32]


@dataclass
class Plan:
    """Every migration of the project in the order Django's executor applies them."""

    loader: MigrationLoader
    steps: list[Step]
    index: dict[tuple[str, str], int] = field(default_factory=dict)
    _states: dict[int, ProjectState] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self):
        self.index = {step.key: number for number, step in enumerate(self.steps)}

    @property
    def labels(self) -> list[str]:
        return [step.label for step in self.steps]

    @functools.cached_property
    def marker(self) -> str:
        return migrations_marker(self.labels)

    def pending(self, missing_labels) -> list[Step]:
        missing = set(missing_labels)
        return [step for step in self.steps if step.label in missing]

    def state_before(self, step: Step) -> ProjectState:
        """The project state with every earlier step applied (rendered once, cloned per use)."""
        number = self.index[step.key]
        with self._lock:
            if number not in self._states:
                nodes = [earlier.key for earlier in self.steps[:number]]
                state = self.loader.graph.make_state(nodes=nodes, at_end=True,
                                                     real_apps=self.loader.unmigrated_apps)
                state.apps  # render once: cloning a rendered state is much cheaper than rendering
                self._states[number] = state
            return self._states[number].clone()


def migrations_marker(labels: list[str]) -> str:
    """The schema comment written in the same transaction as a schema's last fleet migration:
    with it, a check knows the schema is current from the catalog alone."""
    return "tenantry migrations " + hashlib.md5(",".join(sorted(labels)).encode()).hexdigest()


def plan_load() -> Plan:
    loader = MigrationLoader(None, ignore_no_migrations=True)
    graph = loader.graph
    keys, seen = [], set()
    for target in graph.leaf_nodes():
        for key in graph.forwards_plan(target):
            if key not in seen:
                seen.add(key)
                keys.append(key)
    migrations = [graph.nodes[key] for key in keys]
    # What Django's migrate does before applying: RenameModel also renames its content type.
    inject_rename_contenttypes_operations(plan=[(m, False) for m in migrations], apps=global_apps)
    return Plan(loader=loader, steps=[_step(migration) for migration in migrations])


def _step(migration: Migration) -> Step:
    for part in (migration.app_label, migration.name):
        if not IDENTIFIER.match(part):
            raise ValueError(f"Unexpected migration name {migration.app_label}.{migration.name}")
    replayable = (
        migration.atomic
        and not migration.replaces
        and all(operation.reduces_to_sql for operation in migration.operations)
    )
    return Step(
        key=(migration.app_label, migration.name),
        migration=migration,
        replayable=replayable,
        changes_models=any(isinstance(op, MODEL_OPERATIONS) for op in migration.operations),
    )
