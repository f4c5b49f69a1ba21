"""iamsim: replay AWS IAM cross-account decisions offline, and say which side failed and why.

>>> import iamsim
>>> world = iamsim.World.demo()
>>> d = world.assume_role("arn:aws:iam::111111111111:user/alice",
...                       role_arn="arn:aws:iam::222222222222:role/CrossAccountS3Reader",
...                       session_name="dev-session", external_id="my-secret-123")
>>> d.allowed
True
"""

from iamsim.calls import AccessRequest, AssumeRoleCall, SimulateCall
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
from iamsim.session import RoleSession
from iamsim.world import World
from iamsim.world.model import (
    Account,
    Group,
    Organization,
    OrgUnit,
    Quotas,
    Resource,
    Role,
    User,
)

__version__ = "0.1.0"

__all__ = [
    "AccessRequest",
    "Account",
    "AssumeRoleCall",
    "ConditionEntry",
    "Decision",
    "Denial",
    "Fix",
    "Group",
    "IamsimError",
    "IamsimWarning",
    "Layer",
    "NearMiss",
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
    "SimulateCall",
    "Statement",
    "User",
    "ValidationError",
    "World",
    "WorldError",
    "__version__",
]
