"""Serializers of the parcels API: shapes in and out, writes through services."""
