"""Fleet migrations: every tenant schema on every database, planned once, applied in parallel.

Layer 5 (above the registry): may import tenancy, routers, tenants and audit; never careers
or controlplane. The entry points are in ``fleet.services``.
"""
