"""Real-world inputs, read as the AWS tools read them: AWS CLI config profiles and
infrastructure as code.

`aws_config` parses `~/.aws/config` (and, when named, `~/.aws/credentials`) by botocore's
rules; `profiles` replays the AssumeRole chain the AWS CLI runs for a profile, one
`World.assume_role` per hop. `terraform` and `cloudformation` turn a `terraform show -json`
plan or state and a CloudFormation template into a world document (`_iac` assembles it),
which `World.from_dict` validates. This layer sits above the world's clients (`iamsim.sts`,
`iamsim.fixes`) and below the renderers and the command line; it uses the public API, and
the IaC readers also the world's bounded file reader (`iamsim.world.files`) and name rules.
"""

from iamsim.inputs.aws_config import AwsConfig, AwsConfigError, load_aws_config, parse_aws_config
from iamsim.inputs.profiles import ProfileChain, ProfileHop, assume_profile

__all__ = [
    "AwsConfig",
    "AwsConfigError",
    "ProfileChain",
    "ProfileHop",
    "assume_profile",
    "load_aws_config",
    "parse_aws_config",
]
