"""Theme proposals (党员点题, S7): a member proposes a theme to their branch
or to a committee above it; a proposal is adopted once a filed plan of that
organisation, for the year it was made or the next, holds the theme as an
item whose source is MEMBER."""
from services.study.domain.common import text
from services.study.domain.plans import FILER_NAMES, MAX_THEME, MEMBER
from shared.errors import BadInput
from shared.vocabulary import BRANCH, COMMITTEE

PROPOSED_TO = (COMMITTEE, BRANCH)


def check_theme(theme):
    return text(theme, "theme", MAX_THEME, "the theme")


def check_recipient(org_kind):
    if org_kind not in PROPOSED_TO:
        raise BadInput(f"a theme is proposed to {' or '.join(FILER_NAMES.values())}, "
                       f"not to a {org_kind}", "orgId")


def belongs_under(branch_path, org_path):
    """A member of the branch at ``branch_path`` belongs under the
    organisation at ``org_path`` (both stored paths)."""
    return branch_path.startswith(org_path)


def adopted(proposal, planned):
    """``proposal`` ({org_id, year, theme}) is adopted by ``planned``: the
    set of (org id, plan year, theme) of the items with source MEMBER."""
    key = (proposal["org_id"], proposal["theme"].strip())
    return any((key[0], year, key[1]) in planned
               for year in (proposal["year"], proposal["year"] + 1))


def member_items(items):
    return [item for item in items if item["source"] == MEMBER]
