"""Signals the dispute app sends."""

from __future__ import annotations

from django.dispatch import Signal

# Sent with ``events`` (saved ``DisputeEvent`` rows, each with its ``dispute``
# loaded) when a set-based write created them, inside its transaction:
# ``bulk_create`` fires no ``post_save``, and receivers that follow every new
# event (the dashboards' dirty days) must still see them.
events_recorded = Signal()
