"""Evaluation: AWS's rules, from compiled policies and a request to the layers that deny.

`rules.py` picks the layers that take part and who is exempt; `statement.py` and `plan.py`
match statements; `policy_types.py` gives one policy's verdict; `combine.py` applies the
grant rules; `engine.py` orchestrates one request. Nothing here parses or reads the world.
"""
