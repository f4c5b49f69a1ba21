"""iamsim: replay AWS IAM cross-account decisions offline, and say which side failed and why.

>>> import iamsim
>>> world = iamsim.World.demo()
>>> d = world.assume_role("arn:aws:iam::111111111111:user/alice",
...                       role_arn="arn:aws:iam::222222222222:role/CrossAccountS3Reader",
...                       session_name="dev-session", external_id="my-secret-123")
>>> d.allowed
True
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from iamsim.calls import (
        AccessRequest,
        AssumeRoleCall,
        AssumeRoleWithSamlCall,
        AssumeRoleWithWebIdentityCall,
        SimulateCall,
    )
    from iamsim.decision import Decision, Denial, Layer, NearMiss
    from iamsim.errors import (
        IamsimError,
        IamsimWarning,
        PolicyError,
        Problem,
        ValidationError,
        WorldError,
    )
    from iamsim.fixes.model import Fix
    from iamsim.inputs import ProfileChain
    from iamsim.model import ConditionEntry, Policy, Principal, Statement
    from iamsim.questions.reach import Access, Accesses
    from iamsim.request import FederatedPrincipal
    from iamsim.session import RoleSession
    from iamsim.world import World
    from iamsim.world.model import (
        Account,
        Group,
        OidcProvider,
        Organization,
        OrgUnit,
        Quotas,
        Resource,
        Role,
        SamlProvider,
        User,
    )

__version__ = "0.1.0"

# Each public name and the module that defines it, imported on first use: `import iamsim`
# costs next to nothing until a name is used (pytest imports the package in every run of
# a project that has iamsim installed, to load the plugin `iamsim.pytest_plugin`).
_EXPORTS: dict[str, str] = {
    "Access": "iamsim.questions.reach",
    "Accesses": "iamsim.questions.reach",
    "AccessRequest": "iamsim.calls",
    "AssumeRoleCall": "iamsim.calls",
    "AssumeRoleWithSamlCall": "iamsim.calls",
    "AssumeRoleWithWebIdentityCall": "iamsim.calls",
    "SimulateCall": "iamsim.calls",
    "Decision": "iamsim.decision",
    "Denial": "iamsim.decision",
    "Layer": "iamsim.decision",
    "NearMiss": "iamsim.decision",
    "IamsimError": "iamsim.errors",
    "IamsimWarning": "iamsim.errors",
    "PolicyError": "iamsim.errors",
    "Problem": "iamsim.errors",
    "ValidationError": "iamsim.errors",
    "WorldError": "iamsim.errors",
    "Fix": "iamsim.fixes.model",
    "ProfileChain": "iamsim.inputs",
    "ConditionEntry": "iamsim.model",
    "Policy": "iamsim.model",
    "Principal": "iamsim.model",
    "Statement": "iamsim.model",
    "FederatedPrincipal": "iamsim.request",
    "RoleSession": "iamsim.session",
    "World": "iamsim.world",
    "Account": "iamsim.world.model",
    "Group": "iamsim.world.model",
    "OidcProvider": "iamsim.world.model",
    "Organization": "iamsim.world.model",
    "OrgUnit": "iamsim.world.model",
    "Quotas": "iamsim.world.model",
    "Resource": "iamsim.world.model",
    "Role": "iamsim.world.model",
    "SamlProvider": "iamsim.world.model",
    "User": "iamsim.world.model",
}

__all__ = [
    "Access",
    "AccessRequest",
    "Accesses",
    "Account",
    "AssumeRoleCall",
    "AssumeRoleWithSamlCall",
    "AssumeRoleWithWebIdentityCall",
    "ConditionEntry",
    "Decision",
    "Denial",
    "FederatedPrincipal",
    "Fix",
    "Group",
    "IamsimError",
    "IamsimWarning",
    "Layer",
    "NearMiss",
    "OidcProvider",
    "OrgUnit",
    "Organization",
    "Policy",
    "PolicyError",
    "Principal",
    "Problem",
    "ProfileChain",
    "Quotas",
    "Resource",
    "Role",
    "RoleSession",
    "SamlProvider",
    "SimulateCall",
    "Statement",
    "User",
    "ValidationError",
    "World",
    "WorldError",
    "__version__",
]


def __getattr__(name: str) -> Any:
    if name == "boto3":  # the boto3 hook (extra iamsim[boto3]): `iamsim.boto3.attach(...)`
        return importlib.import_module("iamsim.boto3")
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'iamsim' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
