"""Stage N: the first N migrations of ``pool``, chosen by MIGRATION_MODULES."""
