"""Elastic Cloud Server: servers and their block devices (boot indexes)."""
