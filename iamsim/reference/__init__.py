"""Reference data about AWS itself, as opposed to a world's accounts: the service reference
(actions, resource types and condition keys with their types)."""

from __future__ import annotations

from iamsim.reference.service import (
    ActionInfo,
    action_info,
    action_known,
    action_retired,
    condition_key_type,
    reference_about,
    service_actions,
    service_condition_keys,
    service_name,
    service_resource_types,
    suggest_action,
    suggest_condition_key,
)

__all__ = [
    "ActionInfo",
    "action_info",
    "action_known",
    "action_retired",
    "condition_key_type",
    "reference_about",
    "service_actions",
    "service_condition_keys",
    "service_name",
    "service_resource_types",
    "suggest_action",
    "suggest_condition_key",
]
