"""Viewsets of the parcels API: scoped with for_user, scope area "parcels"."""
