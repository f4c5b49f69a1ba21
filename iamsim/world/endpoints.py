"""VPC endpoints: which endpoint a request comes through, and whether its policy applies.

AWS PrivateLink Guide, "Control access to VPC endpoints using endpoint policies": an
endpoint policy is a resource-based policy attached to the endpoint that controls which
principals may use it to reach the service; without one, AWS attaches a default policy that
allows full access. A request through an endpoint carries `aws:SourceVpce` (its ID) and
`aws:SourceVpc` (its VPC) (IAM User Guide, AWS global condition context keys).
"""

from __future__ import annotations

import functools

from iamsim.errors import ValidationError
from iamsim.model import Policy
from iamsim.request import Context
from iamsim.world.model import VpcEndpoint

__all__ = [
    "DEFAULT_ENDPOINT_POLICY_NAME",
    "default_endpoint_policy",
    "endpoint_serves",
    "endpoint_service",
    "source_vpc_keys",
]

DEFAULT_ENDPOINT_POLICY_NAME = "default endpoint policy"


@functools.cache
def default_endpoint_policy() -> Policy:
    """AWS's default endpoint policy (PrivateLink Guide, "Default endpoint policy"): any
    principal, any action, any resource."""
    return Policy.from_json(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}],
        },
        kind="resource",
    )


def endpoint_service(name: str) -> str:
    """The service prefix of an endpoint's service name: `com.amazonaws.us-east-1.s3` → `s3`,
    `com.amazonaws.us-east-1.ecr.api` → `ecr`, `s3` → `s3`."""
    parts = name.split(".")
    if len(parts) >= 4 and parts[0] == "com" and parts[1] == "amazonaws":
        return parts[3]
    return parts[0]


def endpoint_serves(endpoint: VpcEndpoint, action: str) -> bool:
    """Whether the endpoint reaches the action's service: an endpoint whose service the
    world does not give is taken to serve every request that names it."""
    if endpoint.service is None:
        return True
    return endpoint_service(endpoint.service) == action.split(":", 1)[0].lower()


def source_vpc_keys(endpoint: VpcEndpoint, context: Context) -> dict[str, object]:
    """`aws:SourceVpc` from the endpoint's VPC; a request that gives another VPC with the
    endpoint is refused: AWS sets both keys from the one endpoint the request came through."""
    given = context.get("aws:SourceVpc")
    if given is not None and given != endpoint.vpc:
        raise ValidationError(
            f"context: aws:SourceVpc {given!r} is not the VPC of endpoint {endpoint.id} "
            f"({endpoint.vpc}); AWS sets both keys from the endpoint the request comes through"
        )
    return {"aws:SourceVpc": endpoint.vpc}
