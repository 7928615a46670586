"""快递服务 — parcel service."""
