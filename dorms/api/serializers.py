"""Serializers of the dorms API: shapes in and out, writes through services."""
