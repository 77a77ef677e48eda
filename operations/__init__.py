"""Durable background operations on Celery: rows in ``public`` with state and progress.

Layer 5: above the registry (it reads tenants) and below the console (which lists them).
"""
