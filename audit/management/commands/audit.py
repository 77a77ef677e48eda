"""``manage.py audit deliver``: move events waiting in every outbox to the audit database.

The workers do it by themselves (``audit.outbox_deliver``); this is the manual way."""

from django.core.management.base import BaseCommand, CommandError

from audit.services import audit_deliver_everywhere, audit_pending_count


class Command(BaseCommand):
    help = "Operate the audit trail."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        sub.add_parser(
            "deliver", help="Deliver events kept in the outbox while MySQL was unreachable."
        )
        sub.add_parser("pending", help="How many events wait in the outbox.")

    def handle(self, *args, action, **options):
        if action == "pending":
            self.stdout.write(str(audit_pending_count()))
            return
        try:
            delivered = audit_deliver_everywhere()
        except Exception as error:
            raise CommandError(
                f"Audit database unreachable ({type(error).__name__}: {error}); "
                f"{audit_pending_count()} event(s) still wait in the outbox, nothing was lost."
            ) from None
        self.stdout.write(self.style.SUCCESS(f"Delivered {delivered} audit event(s)."))
