"""Workflows as data: definitions of states and transitions, checked when saved, run by `step`."""
