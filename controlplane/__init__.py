"""The design card's ``platform/``: the project package and the platform admins' apps.

(A top-level package named ``platform`` would shadow Python's standard library module.)
"""
