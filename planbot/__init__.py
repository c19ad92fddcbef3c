"""Shared foundations of Planbot: settings, errors and the offline environment.

ingest, index and bot all import from here; this package imports none of them.
"""
