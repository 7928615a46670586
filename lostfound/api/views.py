"""Viewsets of the lost-and-found API: scoped with for_user, scope area "lostfound"."""
