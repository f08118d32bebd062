"""Lineage strategies package."""
