"""Lineage engine package."""
