"""Elastic Volume Service: volumes, snapshots and Cinder-style volume transfers."""
