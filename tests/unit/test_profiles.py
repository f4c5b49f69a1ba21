"""`~/.aws/config` profiles replayed as the AWS CLI runs them (botocore's rules).

Sources: botocore `botocore/configloader.py` (`raw_config_parse`, `build_profile_map`),
`botocore/session.py` (`Session.full_config`: the credentials file's profiles merged in),
`botocore/credentials.py` (`AssumeRoleProvider`: `_get_role_config`,
`_validate_source_profile`, `_resolve_credentials_from_profile`, the default session name
`botocore-session-<unix time>`), `botocore/exceptions.py` (the error texts).
"""

from __future__ import annotations

import datetime as _dt
from pathlib import Path
from typing import Any

import pytest

import iamsim
from iamsim.inputs import AwsConfigError, ProfileChain, load_aws_config, parse_aws_config

NOW = _dt.datetime(2026, 6, 15, 12, 45, tzinfo=_dt.UTC)
STAMP = int(NOW.timestamp())
ALICE = "arn:aws:iam::111111111111:user/alice"
ROLE_A = "arn:aws:iam::222222222222:role/A"
ROLE_B = "arn:aws:iam::333333333333:role/B"
ROLE_C = "arn:aws:iam::444444444444:role/C"


def _allow_assume(role: str) -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": role}],
    }


def _trust(principal: str, condition: dict[str, Any] | None = None) -> dict[str, Any]:
    statement: dict[str, Any] = {
        "Effect": "Allow",
        "Principal": {"AWS": principal},
        "Action": "sts:AssumeRole",
    }
    if condition:
        statement["Condition"] = condition
    return {"Version": "2012-10-17", "Statement": [statement]}


def _world(b_trusts: str = ROLE_A) -> iamsim.World:
    """alice (111…) → A (222…, external ID) → B (333…) → C (444…, MFA not required)."""
    return iamsim.World.from_dict(
        {
            "accounts": {
                "111111111111": {"users": {"alice": {"policies": [_allow_assume(ROLE_A)]}}},
                "222222222222": {
                    "roles": {
                        "A": {
                            "trust_policy": _trust(
                                "arn:aws:iam::111111111111:root",
                                {"StringEquals": {"sts:ExternalId": "ext-a"}},
                            ),
                            "policies": [_allow_assume(ROLE_B)],
                        }
                    }
                },
                "333333333333": {
                    "roles": {
                        "B": {"trust_policy": _trust(b_trusts), "policies": [_allow_assume(ROLE_C)]}
                    }
                },
                "444444444444": {"roles": {"C": {"trust_policy": _trust(ROLE_B)}}},
            }
        }
    )


CONFIG = """\
[default]
region = us-east-1
aws_access_key_id = AKIAIOSFODNN7EXAMPLE
aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY

[profile a]
role_arn = arn:aws:iam::222222222222:role/A
source_profile = default
external_id = ext-a

[profile b]
role_arn = arn:aws:iam::333333333333:role/B
source_profile = a
role_session_name = b-session

[profile c]
role_arn = arn:aws:iam::444444444444:role/C
source_profile = b
duration_seconds = 1800
"""


def _config(tmp_path: Path, text: str = CONFIG, name: str = "config") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _chain(tmp_path: Path, profile: str, text: str = CONFIG, **kw: Any) -> ProfileChain:
    world = kw.pop("world", None) or _world()
    kw.setdefault("caller", ALICE)
    return world.assume_profile(profile, config=_config(tmp_path, text), now=NOW, **kw)


# ------------------------------------------------------------------------- chains


def test_a_three_hop_chain_replays_each_assume_role(tmp_path: Path) -> None:
    chain = _chain(tmp_path, "c")
    assert chain.allowed and chain.failed_hop is None
    assert len(chain.hops) == 3 and all(d.allowed for d in chain.hops)
    assert [h.profile for h in chain.planned] == ["a", "b", "c"]
    assert [h.role_arn for h in chain.planned] == [ROLE_A, ROLE_B, ROLE_C]
    # botocore: RoleSessionName defaults to botocore-session-<int(time.time())>
    assert chain.planned[0].session_name == f"botocore-session-{STAMP}"
    assert chain.planned[1].session_name == "b-session"
    assert chain.planned[0].external_id == "ext-a"
    assert chain.planned[2].duration_seconds == 1800
    assert chain.session is not None
    assert chain.session.arn == (
        f"arn:aws:sts::444444444444:assumed-role/C/botocore-session-{STAMP}"
    )
    # Each hop is called by the previous hop's session (role chaining).
    assert chain.hops[1].call.caller == chain.hops[0].session  # type: ignore[union-attr]
    assert chain.start_profile == "default" and chain.start == "static access keys"
    text = chain.explain()
    assert text.splitlines()[0].startswith("Allowed: profile c, 3 AssumeRole hops as ")
    assert "hop 2: profile b: AssumeRole arn:aws:iam::333333333333:role/B" in text
    assert str(chain) == text.splitlines()[0]


def test_a_denied_middle_hop_stops_the_chain(tmp_path: Path) -> None:
    chain = _chain(tmp_path, "c", world=_world(b_trusts="arn:aws:iam::999999999999:root"))
    assert not chain.allowed
    assert chain.failed_hop == 1
    assert len(chain.hops) == 2 and chain.hops[0].allowed and not chain.hops[1].allowed
    assert chain.session is None
    first, *rest = chain.explain().splitlines()
    assert first.startswith(f"Denied at hop 2 of 3 (profile b, {ROLE_B}): ")
    assert "trust policy" in first
    assert "    not sent: an earlier hop was denied" in rest


def test_a_wrong_external_id_in_the_profile_is_a_trust_denial(tmp_path: Path) -> None:
    chain = _chain(tmp_path, "a", CONFIG.replace("external_id = ext-a", "external_id = nope"))
    assert chain.failed_hop == 0
    assert [d.policy_type for d in chain.hops[0].denied_by] == ["trust"]


def test_a_profile_can_source_its_own_static_keys(tmp_path: Path) -> None:
    # botocore allows a profile to name itself as source_profile when it holds static keys.
    text = CONFIG + (
        "\n[profile self]\nrole_arn = arn:aws:iam::222222222222:role/A\nsource_profile = self\n"
        "external_id = ext-a\naws_access_key_id = AKIAEXAMPLE\naws_secret_access_key = x\n"
    )
    chain = _chain(tmp_path, "self", text)
    assert chain.allowed and chain.start_profile == "self" and len(chain.hops) == 1


def test_static_keys_in_a_source_profile_win_over_its_role_arn(tmp_path: Path) -> None:
    # _resolve_credentials_from_profile: a source profile with static keys is not assumed.
    text = CONFIG.replace("region = us-east-1", "role_arn = arn:aws:iam::999999999999:role/X")
    chain = _chain(tmp_path, "a", text)
    assert chain.allowed and [h.profile for h in chain.planned] == ["a"]


@pytest.mark.parametrize("source", ["Environment", "Ec2InstanceMetadata", "EcsContainer"])
def test_a_credential_source_starts_the_chain(tmp_path: Path, source: str) -> None:
    text = CONFIG + (
        f"\n[profile ec2]\nrole_arn = {ROLE_A}\ncredential_source = {source}\nexternal_id = ext-a\n"
    )
    chain = _chain(tmp_path, "ec2", text)
    assert chain.allowed and chain.start == f"credential_source {source}"
    assert chain.start_profile == "ec2"


def test_an_sso_profile_starts_the_chain_and_its_account_is_checked(tmp_path: Path) -> None:
    text = CONFIG + (
        "\n[profile sso]\nsso_session = corp\nsso_account_id = 111111111111\n"
        "sso_role_name = Dev\n\n[profile via-sso]\nrole_arn = arn:aws:iam::222222222222:role/A\n"
        "source_profile = sso\nexternal_id = ext-a\n\n[sso-session corp]\n"
        "sso_start_url = https://example.awsapps.com/start\nsso_region = us-east-1\n"
    )
    chain = _chain(tmp_path, "via-sso", text)
    assert chain.allowed and chain.start.startswith("IAM Identity Center")
    with pytest.raises(AwsConfigError, match="sso_account_id"):
        _chain(tmp_path, "via-sso", text, caller="arn:aws:iam::999999999999:user/x")


def test_a_profile_without_role_arn_assumes_nothing(tmp_path: Path) -> None:
    chain = _chain(tmp_path, "default")
    assert chain.allowed and chain.hops == () and chain.session is None
    assert chain.failed_hop is None
    assert "uses its own credentials (static access keys)" in str(chain)


def test_mfa_serial_needs_the_code_the_cli_would_prompt_for(tmp_path: Path) -> None:
    mfa = "arn:aws:iam::111111111111:mfa/alice"
    text = CONFIG.replace("external_id = ext-a", f"external_id = ext-a\nmfa_serial = {mfa}")
    with pytest.raises(AwsConfigError, match="Enter MFA code for") as caught:
        _chain(tmp_path, "c", text)
    assert caught.value.code == "TokenCodeRequired"
    chain = _chain(tmp_path, "c", text, token_code="123456")
    assert chain.allowed and chain.planned[0].serial_number == mfa
    assert chain.hops[0].call.token_code == "123456"  # type: ignore[union-attr]
    same = _chain(tmp_path, "c", text, token_codes={"a": "123456"})
    assert same.hops == chain.hops
    with pytest.raises(AwsConfigError, match="not a hop of the chain"):
        _chain(tmp_path, "c", text, token_codes={"b": "123456"})
    with pytest.raises(AwsConfigError, match="no profile of it sets mfa_serial"):
        _chain(tmp_path, "c", token_code="123456")


def test_a_non_integer_duration_is_ignored_as_botocore_ignores_it(tmp_path: Path) -> None:
    chain = _chain(tmp_path, "c", CONFIG.replace("duration_seconds = 1800", "duration_seconds = x"))
    assert chain.allowed and chain.planned[2].duration_seconds is None
    assert any("duration_seconds 'x' is not an integer" in n for n in chain.notes)


def test_sts_validation_errors_name_the_profile(tmp_path: Path) -> None:
    text = CONFIG.replace("role_session_name = b-session", "role_session_name = b")
    with pytest.raises(iamsim.ValidationError, match=r"\(profile b, hop 2 of 3\)"):
        _chain(tmp_path, "c", text)


# --------------------------------------------------------- botocore's errors, verbatim


def _error(tmp_path: Path, profile: str, text: str, **kw: Any) -> AwsConfigError:
    with pytest.raises(AwsConfigError) as caught:
        _chain(tmp_path, profile, text, **kw)
    return caught.value


def test_profile_not_found(tmp_path: Path) -> None:
    # botocore.exceptions.ProfileNotFound: 'The config profile ({profile}) could not be found'
    e = _error(tmp_path, "nope", CONFIG)
    assert e.code == "ProfileNotFound"
    assert str(e) == f"{tmp_path / 'config'}: The config profile (nope) could not be found"


def test_an_infinite_loop_is_refused(tmp_path: Path) -> None:
    # botocore.exceptions.InfiniteLoopConfigError, raised by _validate_source_profile.
    text = CONFIG.replace("source_profile = default", "source_profile = c")
    e = _error(tmp_path, "c", text)
    assert e.code == "InfiniteLoopConfigError"
    assert str(e).endswith(
        "Infinite loop in credential configuration detected. Attempting to load from profile "
        "c which has already been visited. Visited profiles: ['c', 'b', 'a']"
    )


def test_a_profile_referring_to_itself_without_keys_is_a_loop(tmp_path: Path) -> None:
    e = _error(tmp_path, "a", CONFIG.replace("source_profile = default", "source_profile = a"))
    assert e.code == "InfiniteLoopConfigError"
    assert str(e).endswith("Visited profiles: ['a']")


def test_a_missing_source_profile(tmp_path: Path) -> None:
    # InvalidConfigError from _validate_source_profile.
    e = _error(tmp_path, "a", CONFIG.replace("source_profile = default", "source_profile = x"))
    assert e.code == "InvalidConfigError"
    assert 'The source_profile "x" referenced in the profile "a" does not exist.' in str(e)


def test_neither_source_profile_nor_credential_source(tmp_path: Path) -> None:
    # PartialCredentialsError(provider='assume-role', cred_var='source_profile or
    # credential_source'): 'Partial credentials found in {provider}, missing: {cred_var}'
    e = _error(tmp_path, "a", CONFIG.replace("source_profile = default\n", ""))
    assert e.code == "PartialCredentialsError"
    assert str(e).endswith(
        "Partial credentials found in assume-role, missing: source_profile or credential_source"
    )


def test_both_source_profile_and_credential_source(tmp_path: Path) -> None:
    text = CONFIG.replace(
        "source_profile = default", "source_profile = default\ncredential_source = Environment"
    )
    e = _error(tmp_path, "a", text)
    assert e.code == "InvalidConfigError"
    assert str(e).endswith('The profile "a" contains both source_profile and credential_source.')


def test_an_unknown_credential_source(tmp_path: Path) -> None:
    # Canonical names are matched exactly: `environment` is not `Environment`.
    text = CONFIG.replace("source_profile = default", "credential_source = environment")
    e = _error(tmp_path, "a", text)
    assert str(e).endswith(
        'The credential source "environment" referenced in profile "a" is not valid.'
    )


def test_a_source_profile_without_credentials(tmp_path: Path) -> None:
    text = CONFIG.replace("aws_access_key_id = AKIAIOSFODNN7EXAMPLE\n", "").replace(
        "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n", ""
    )
    e = _error(tmp_path, "a", text)
    assert str(e).endswith('The source profile "default" must have credentials.')


def test_keys_cannot_be_resolved_offline_without_a_caller(tmp_path: Path) -> None:
    e = _error(tmp_path, "c", CONFIG, caller=None)
    assert e.code == "CallerRequired"
    assert "caller=ARN" in str(e) and "static access keys" in str(e)


def test_a_missing_file_and_an_unparsable_file(tmp_path: Path) -> None:
    with pytest.raises(AwsConfigError, match=r"The specified config file \(.*\) could not be"):
        _world().assume_profile("a", config=tmp_path / "absent", caller=ALICE)
    e = _error(tmp_path, "a", "region = us-east-1\n")
    assert e.code == "ConfigParseError" and "Unable to parse config file: " in str(e)
    assert "line 1" in str(e)
    e = _error(tmp_path, "a", "[profile a]\nregion = x\nregion = y\n")
    assert e.code == "ConfigParseError" and "line 3" in str(e)


def test_iamsim_errors_are_iamsim_errors() -> None:
    assert issubclass(AwsConfigError, iamsim.IamsimError)


# ------------------------------------------------------------- the file, as botocore reads it


def test_sections_and_keys_follow_botocores_config_loader() -> None:
    text = """\
# a comment
[default]
Region = us-east-1
[profile dev]
external_id = abc # not a comment
s3 =
    addressing_style = path
    signature_version = s3v4
[profile "with space"]
region = eu-west-1
[plain]
region = ignored
[profile a b]
region = ignored
[sso-session corp]
sso_region = us-east-1
"""
    profiles = parse_aws_config(text)
    assert list(profiles) == ["default", "dev", "with space"]
    assert profiles["default"] == {"region": "us-east-1"}  # option names lower-cased
    assert profiles["dev"]["external_id"] == "abc # not a comment"  # no inline comments
    assert profiles["dev"]["s3"] == {"addressing_style": "path", "signature_version": "s3v4"}


def test_the_credentials_file_adds_profiles_and_overrides_keys(tmp_path: Path) -> None:
    config = _config(tmp_path, "[profile a]\nregion = x\n[default]\nregion = y\n")
    creds = _config(
        tmp_path,
        "[default]\naws_access_key_id = AKIAEXAMPLE\naws_secret_access_key = s3cr3t\n"
        "[a]\nregion = z\n",
        "credentials",
    )
    loaded = load_aws_config(config, creds)
    assert loaded.profile("a") == {"region": "z"}
    default = loaded.profile("default")
    assert default is not None and default["aws_access_key_id"] == "AKIAEXAMPLE"
    # The secret is never kept.
    assert default["aws_secret_access_key"] == "<redacted>"
    assert "s3cr3t" not in repr(loaded)
    assert loaded.names == ("a", "default")


def test_the_seed_pages_profile_against_the_demo_world(tmp_path: Path) -> None:
    # The seed page: [profile prod-reader] role_arn=…, source_profile=default,
    # external_id=my-secret-123; default holds alice's keys (in ~/.aws/credentials).
    config = _config(
        tmp_path,
        "[profile prod-reader]\nrole_arn = arn:aws:iam::222222222222:role/CrossAccountS3Reader\n"
        "source_profile = default\nexternal_id = my-secret-123\n",
    )
    creds = _config(
        tmp_path, "[default]\naws_access_key_id = AKIAEXAMPLE\naws_secret_access_key = x\n", "c"
    )
    world = iamsim.World.demo()
    with pytest.raises(AwsConfigError, match="name that file too: credentials="):
        world.assume_profile("prod-reader", config=config, caller=ALICE)
    chain = world.assume_profile("prod-reader", config=config, credentials=creds, caller=ALICE)
    assert chain.allowed and chain.session is not None
