"""Adapters over the Huawei Cloud SDK clients the workflow calls."""
