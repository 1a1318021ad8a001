"""Servers written by us to look like what teams build, for the suite and the bench to judge."""
