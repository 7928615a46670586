"""Viewsets of the dorms API: scoped with for_user, scope area "dorms"."""
