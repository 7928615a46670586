"""Complaints and suggestions (投诉建议): filing, routing, deadlines, replies, confirmation."""
