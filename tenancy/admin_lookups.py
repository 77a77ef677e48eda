"""Admin change lists whose date filters answer bad input with Django's "invalid lookup"
page instead of a 500.

Django's date hierarchy turns ``?<field>__year=`` into a ``datetime`` and catches only
``ValueError``: a huge number (``99999999999``) raises ``OverflowError``, and the last year
(``9999``) overflows while the upper bound is computed, outside Django's ``try``.
"""

from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ChangeList


class BoundedChangeList(ChangeList):
    def get_filters(self, request):
        try:
            return super().get_filters(request)
        except (OverflowError, ValueError) as error:
            raise IncorrectLookupParameters(error) from error


class BoundedLookupsAdmin(admin.ModelAdmin):
    """Base for our ModelAdmins: every change list refuses out-of-range filters cleanly."""

    def get_changelist(self, request, **kwargs):
        return BoundedChangeList
