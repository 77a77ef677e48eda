"""See every tenant, stop a noisy one: metrics, structured logs, per-plan request limits.

Sits above the runtime (``tenancy``): reads only the current scope and settings, never the
tenant registry; what needs the registry (tenants per database, the console's view) lives in
``controlplane`` and plugs into ``observability.exposition``.
"""
