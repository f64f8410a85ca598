"""Members as quotas judge them: where they belong, and the roles and
contact branches (联系点) they held on a given day. Pure."""
import datetime as dt
from dataclasses import dataclass

# the roles a member holds from before anything was told about them
SINCE_EVER = dt.date(1, 1, 1)


@dataclass(frozen=True)
class Member:
    id: str
    bureau_id: str
    branch_path: tuple   # the path of the member's branch
    roles: tuple = ()    # ((valid from, frozenset of roles), ...) in date order
    contacts: tuple = ()  # ((branch id, valid from), ...)

    def roles_on(self, day):
        held = frozenset()
        for since, roles in self.roles:
            if since > day:
                break
            held = roles
        return held

    def holds(self, roles, day):
        """Whether the member holds any of ``roles`` on ``day``."""
        return bool(self.roles_on(day) & roles)

    def contacts_on(self, day, branch_id):
        return any(b == branch_id and since <= day for b, since in self.contacts)


def role_history(rows):
    """((valid from, frozenset), ...) in date order from (valid from, roles) rows."""
    return tuple(sorted((since, frozenset(roles or ())) for since, roles in rows))
