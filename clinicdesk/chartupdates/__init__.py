"""Proposed chart updates: changes from intake forms or interfaces that staff accept or reject per field."""
