"""Event-driven, audited EVS disk transfers between Huawei Cloud accounts."""
