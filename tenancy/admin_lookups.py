"""Admin lookups that answer bad input with a 4xx instead of a 500, for every ModelAdmin on
our admin sites (ours and third parties'), found by tests/tenancy/test_input_properties.py:

- Django's date hierarchy turns ``?<field>__year=`` into a ``datetime`` and catches only
  ``ValueError``: a huge number (``99999999999``) raises ``OverflowError``, and the last year
  (``9999``) overflows while the upper bound is computed, outside Django's ``try``.
- An empty ``?_to_field=`` on a change page is looked up as a field named "" (a 500).
"""

from __future__ import annotations

import functools

from django.contrib.admin.options import IncorrectLookupParameters


class BoundedFilters:
    """Mixed into a ChangeList class: out-of-range filters are an invalid lookup (``?e=1``)."""

    def get_filters(self, request):
        try:
            return super().get_filters(request)
        except (OverflowError, ValueError) as error:
            raise IncorrectLookupParameters(error) from error


@functools.cache
def _bounded(change_list_class: type) -> type:
    return type(f"Bounded{change_list_class.__name__}", (BoundedFilters, change_list_class), {})


def harden_model_admins(*sites) -> None:
    """Wrap ``get_changelist`` and ``get_object`` of every ModelAdmin registered on ``sites``
    (call once all admin modules are loaded); a ModelAdmin's own ChangeList is kept, wrapped."""
    for site in sites:
        for model_admin in site._registry.values():
            if getattr(model_admin, "_hardened", False):
                continue
            model_admin.get_changelist = _bounded_get_changelist(model_admin.get_changelist)
            model_admin.get_object = _get_object_by_pk_if_no_field(model_admin.get_object)
            model_admin._hardened = True


def _bounded_get_changelist(original):
    def get_changelist(request, **kwargs):
        return _bounded(original(request, **kwargs))

    return get_changelist


def _get_object_by_pk_if_no_field(original):
    def get_object(request, object_id, from_field=None):
        return original(request, object_id, from_field or None)  # "" is no field: the pk

    return get_object
