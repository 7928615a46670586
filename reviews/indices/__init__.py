"""Satisfaction indices: aggregation by beat into IndexRow, rankings, trends, exports."""
