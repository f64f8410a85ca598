"""The pioneer programme's rules, pure: the title's lifecycle (lifecycle.py),
the rule set of the annual review (rules.py), and what a nomination, a
rating and a mentoring pair must be (nomination.py, review.py,
mentoring.py)."""
