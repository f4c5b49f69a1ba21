"""Real-world inputs, read as the AWS tools read them: AWS CLI config profiles today.

`aws_config` parses `~/.aws/config` (and, when named, `~/.aws/credentials`) by botocore's
rules; `profiles` replays the AssumeRole chain the AWS CLI runs for a profile, one
`World.assume_role` per hop. This layer sits above the world's clients (`iamsim.sts`,
`iamsim.fixes`) and below the renderers and the command line; it uses the public API only.
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
