"""IAM wildcards and ARN matching, compiled once.

`*` matches any run of characters (including none) and `?` exactly one. A pattern
is given as pieces `(text, literal)`: literal pieces (from `${*}`, `${?}` or a
substituted policy variable) never act as wildcards.

- `glob`: wildcard patterns (`Glob`, `compile_glob`, `glob_match`, `Pieces`);
- `arn`: `Arn`, `parse_arn`, `arn_problem`, `arn_segments`;
- `actions`: `Action`/`NotAction` (`ActionMatcher`, `compile_actions`, `action_problem`);
- `resources`: `Resource`/`NotResource` (`ResourceMatcher`, `compile_resources`);
- `principals`: `Principal` (`PrincipalMatcher`, `compile_principal`, `principal_problem`).

Other modules compile the patterns they validate input with once, at import, beside the
code that uses them: STS's parameters in `iamsim.sts`, the names and ids of world
documents and exports in `iamsim.world.names`, JSON and TOML quirks in
`iamsim.world.files`, the renderer's escapes in `iamsim.render.text`.
"""

from __future__ import annotations

from iamsim.patterns.actions import ActionMatcher, action_problem, compile_actions
from iamsim.patterns.arn import Arn, arn_problem, arn_segments, parse_arn
from iamsim.patterns.glob import Glob, Pieces, compile_glob, glob_match
from iamsim.patterns.principals import (
    PRINCIPAL_TYPES,
    PrincipalMatcher,
    compile_principal,
    principal_problem,
)
from iamsim.patterns.resources import ResourceMatcher, compile_resources

__all__ = [
    "PRINCIPAL_TYPES",
    "ActionMatcher",
    "Arn",
    "Glob",
    "Pieces",
    "PrincipalMatcher",
    "ResourceMatcher",
    "action_problem",
    "arn_problem",
    "arn_segments",
    "compile_actions",
    "compile_glob",
    "compile_principal",
    "compile_resources",
    "glob_match",
    "parse_arn",
    "principal_problem",
]
