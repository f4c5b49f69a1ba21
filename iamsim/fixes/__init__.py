"""Fix suggestions: for each denial, the smallest change on that side that lets the request pass.

Every suggestion that changes the world or the call is verified: it is applied to
a copy of the world (`attrs.evolve`) or of the call, and the same call is
replayed; a change that does not remove its denial is not offered. Guardrails
(SCPs, RCPs) and service rules are reported with `apply = None` and who owns
them: they are not silently loosened.

How a fix is expressed:

- `apply(world) -> World`: a change to a policy (or an entity the world lacks);
- `request` with `request_for == "call"`: arguments of the denied call to change
  (`{"external_id": "my-secret-123"}`; for `simulate`, `{"context": {…}}`);
- `request` with `request_for == "session"`: arguments of the AssumeRole call that
  created the calling session (`{"policy": {…}}`, `{"policy_arns": […]}`): create
  the session again with them, then replay. `session_with(fixes, session)` gives
  the session that call would return.

Suggestions never widen beyond the request: a new statement names the caller,
the one action and the one resource of the request; an existing statement is
only extended (a principal, an action) when it names no wildcard.

Along the data flow: `model` (the `Fix` record) and `documents` (policy-document
and world edits) → the planner's candidate builders, one mixin per side over
`base` (`caller`: identity, boundary, session; `target`: trust and resource
policies, with `near_miss` for the conditions the caller can meet; `guardrails`:
SCPs, RCPs, service rules), put together in `planner` → `verify` (replay each
candidate, keep the verified ones, compose Deny-then-Allow fixes).
"""

from __future__ import annotations

from iamsim.fixes.model import Apply as Apply
from iamsim.fixes.model import Fix
from iamsim.fixes.near_miss import MFA_TOKEN as MFA_TOKEN
from iamsim.fixes.verify import apply_all, replay, session_with, suggest_fixes

__all__ = ["Fix", "apply_all", "replay", "session_with", "suggest_fixes"]
