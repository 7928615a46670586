"""Serializers of the lost-and-found API: shapes in and out, writes through services."""
