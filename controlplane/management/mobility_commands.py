"""``tenants move|export|import|archive|restore|purge``: thin calls to ``mobility``."""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import CommandError

from mobility import moves, services
from tenants import selectors


class Progress:
    """A live line on a terminal, plain lines in logs, nothing with ``--json``."""

    def __init__(self, stream, *, quiet: bool = False):
        self.stream, self.quiet = stream, quiet
        self.live = not quiet and stream.isatty()
        self.last = None

    def __call__(self, done: int, total: int, message: str) -> None:
        if self.quiet or message == self.last:
            return
        self.last = message
        line = f"[{done}/{total}] {message}" if total else message
        if self.live:
            self.stream.write(f"\r\033[K{line}", ending="")
            self.stream.flush()
        else:
            self.stream.write(line)

    def end(self) -> None:
        if self.live and self.last is not None:
            self.stream.write("")


class MobilityCommands:
    def add_mobility_arguments(self, sub) -> None:
        move = sub.add_parser("move", help="Move a tenant to another database (online when possible).")
        move.add_argument("slug", nargs="?")
        move.add_argument("--to", dest="to", default=None, help="The destination database alias.")
        move.add_argument("--frozen", action="store_true",
                          help="Copy while read-only even if the source could replicate.")
        move.add_argument("--abort", action="store_true", help="End a move that died half-way.")
        move.add_argument("--cleanup", action="store_true",
                          help="Drop sources kept after moves (with --older-than DAYS: only those).")
        move.add_argument("--older-than", type=float, default=None, metavar="DAYS")
        move.add_argument("--json", action="store_true")

        export = sub.add_parser("export", help="Write a tenant to one file (one consistent snapshot).")
        export.add_argument("slug")
        export.add_argument("--output", required=True, type=Path)
        export.add_argument("--json", action="store_true")

        imported = sub.add_parser("import", help="Create a live tenant from an export file.")
        imported.add_argument("file", type=Path)
        imported.add_argument("--slug", dest="new_slug", default=None)
        imported.add_argument("--database", dest="database_alias", default=None)
        imported.add_argument("--json", action="store_true")

        for action, text in (("archive", "Export a tenant to the archive, drop its schema (410)."),
                             ("restore", "Bring an archived tenant back from its archive.")):
            sub.add_parser(action, help=text).add_argument("slug")

        purge = sub.add_parser("purge", help="Delete archives older than TENANT_ARCHIVE_RETENTION_DAYS.")
        purge.add_argument("--dry-run", action="store_true")
        purge.add_argument("--json", action="store_true")

    def _progress(self, json_output: bool) -> Progress:
        return Progress(self.stdout, quiet=json_output)

    def handle_move(self, *, slug, to, frozen, abort, cleanup, older_than, json=False, **_):
        if cleanup:
            dropped = moves.moved_schemas_drop(older_than_days=older_than)
            self._report([{"database": alias, "schema": schema} for alias, schema in dropped], json,
                         f"Dropped {len(dropped)} kept source schema(s).")
            return
        if not slug:
            raise CommandError("Name the tenant to move (or use --cleanup).")
        tenant = selectors.tenant_get(slug=slug)
        if abort:
            moves.tenant_move_abort(tenant=tenant)
            self.stdout.write(f"The move of {slug} was abandoned; it is served, writable, from "
                              f"{tenant.database_alias}.")
            return
        if not to:
            raise CommandError("Say where to: --to ALIAS.")
        progress = self._progress(json)
        result = moves.tenant_move(tenant=tenant, to=to, progress=progress,
                                   online=False if frozen else None)
        progress.end()
        self._report({"slug": slug, **result.as_dict()}, json, f"Moved {slug} from {result.source} to {result.destination} "
                                    f"({'online' if result.online else 'frozen'}; writes refused for "
                                    f"{result.read_only_seconds:.2f} s; the source is kept as "
                                    f"{result.kept_as} until `tenants move --cleanup`).")

    def handle_export(self, *, slug, output, json=False, **_):
        tenant = selectors.tenant_get(slug=slug)
        progress = self._progress(json)
        manifest = services.tenant_export(tenant=tenant, output=output, progress=progress)
        progress.end()
        rows = sum(table["rows"] for table in manifest.tables.values())
        self._report({"slug": slug, "file": str(output), "tables": len(manifest.tables), "rows": rows},
                     json, f"Exported {slug} to {output}: {len(manifest.tables)} tables, {rows} rows.")

    def handle_import(self, *, file, new_slug, database_alias, json=False, **_):
        progress = self._progress(json)
        tenant = services.tenant_import(path=file, slug=new_slug, database_alias=database_alias,
                                        progress=progress)
        progress.end()
        self._report({"slug": tenant.slug, "database": tenant.database_alias}, json,
                     f"Imported {tenant.slug} onto {tenant.database_alias}.")

    def handle_archive(self, *, slug, **_):
        stored = services.tenant_archive(tenant=selectors.tenant_get(slug=slug))
        self.stdout.write(f"Archived {slug} as {stored}; its sites answer 410 Gone.")

    def handle_restore(self, *, slug, **_):
        tenant = services.tenant_restore(tenant=selectors.tenant_get(slug=slug))
        self.stdout.write(f"Restored {slug} on {tenant.database_alias}.")

    def handle_purge(self, *, dry_run, json=False, **_):
        slugs = services.tenants_purge(dry_run=dry_run)
        verb = "Would purge" if dry_run else "Purged"
        self._report(slugs, json, f"{verb} {len(slugs)} archived tenant(s)"
                                  + (f": {', '.join(slugs)}." if slugs else "."))

    def _report(self, value, json_output: bool, text: str) -> None:
        self.stdout.write(json.dumps(value, indent=2) if json_output else text)
