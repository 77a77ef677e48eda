"""Settings split per environment: base.py holds everything, dev/test/prod only override."""
