"""Cache keys carry the schema they were written for, so tenants never share an entry."""

from tenants.context import current_scope


def make_key(key, key_prefix, version):
    return f"{current_scope().schema_name}:{key_prefix}:{version}:{key}"


def reverse_key(key):
    return key.split(":", 3)[3]
