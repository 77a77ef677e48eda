from django.core.management.base import BaseCommand

from controlplane.demo import demo_create


class Command(BaseCommand):
    help = "Create the demo organizations (acme, globex) with jobs, and their admins."

    def handle(self, *args, **options):
        for line in demo_create():
            self.stdout.write(line)
