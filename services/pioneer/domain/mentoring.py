"""Mentoring pairs (帮带, SPEC V4), pure: a pioneer who holds a SELECTED
title mentors another member of the same bureau (the title's part is
lifecycle.check_mentor)."""
from shared.errors import BadInput


def check_ids(mentor_id, mentee_id):
    if not isinstance(mentor_id, str) or not mentor_id:
        raise BadInput("the mentor is needed, a member holding a SELECTED title", "mentorId")
    if not isinstance(mentee_id, str) or not mentee_id:
        raise BadInput("the mentee is needed, a member", "menteeId")
    if mentor_id == mentee_id:
        raise BadInput("nobody mentors themselves; the mentee is another member", "menteeId")


def check_pair(mentor, mentee, mentee_id):
    """``mentor`` and ``mentee`` (the organisation service's member dicts, or
    None when unknown) belong to one bureau."""
    if mentee is None:
        raise BadInput(f"there is no member {mentee_id}", "menteeId")
    if mentor is not None and mentor["bureau_id"] != mentee["bureau_id"]:
        raise BadInput(f"{mentee['name']} belongs to another bureau; a mentor pairs with a "
                       "member of their own bureau", "menteeId")
