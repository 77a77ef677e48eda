# Tenants are operated from the platform admin site (controlplane.admin), never a tenant's.
