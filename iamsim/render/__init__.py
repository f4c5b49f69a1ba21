"""Renderers: pure functions of a Decision (text, JSON, HTML, AWS error text).

Nothing here evaluates; every rendering can be rebuilt from a saved decision.
"""

from __future__ import annotations

from iamsim.render.aws import aws_error, aws_error_detailed, cli_error
from iamsim.render.html import decision_html, policy_html, session_html, world_html
from iamsim.render.json import DecisionDocumentError, decision_from_dict, decision_to_dict
from iamsim.render.text import explain, summary

__all__ = [
    "DecisionDocumentError",
    "aws_error",
    "aws_error_detailed",
    "cli_error",
    "decision_from_dict",
    "decision_html",
    "decision_to_dict",
    "explain",
    "policy_html",
    "session_html",
    "summary",
    "world_html",
]
