"""Scheduling: availability, find-next-available, booking that cannot double-book."""
