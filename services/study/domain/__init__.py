"""The study service's rules, pure: annual plans (plans.py), theme
proposals (themes.py), self-study plans and log entries (self_study.py)."""
