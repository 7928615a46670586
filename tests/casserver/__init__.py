"""A tiny CAS server (django-mama-cas) that the test suite starts and signs in against."""
