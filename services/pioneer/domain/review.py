"""The annual review (考核评议, SPEC V2), pure: what a rating must be.
Members (党员) and public representatives (群众代表) rate each pioneer of
the committee GOOD, FAIRLY_GOOD, AVERAGE or POOR (好 / 较好 / 一般 / 差);
the ratings are anonymous counts, and both kinds count alike."""
from dataclasses import dataclass

from shared.errors import BadInput
from shared.periods import parse_year
from shared.vocabulary import AVERAGE_OR_WORSE, PIONEER_RATINGS, RATER_KINDS


@dataclass(frozen=True)
class Rating:
    review_id: str
    pioneer_id: str
    rater_kind: str
    rating: str

    @property
    def average_or_worse(self):
        return self.rating in AVERAGE_OR_WORSE


def year_up_to(value, this_year, doing):
    """A valid year, not after ``this_year``: one can be ``doing`` it."""
    year = parse_year(value)
    if year > this_year:
        raise BadInput(f"{year} has not begun; a year up to {this_year} can be {doing}",
                       "year")
    return year


def validate_rating(data):
    if not isinstance(data, dict):
        raise BadInput("a rating is {reviewId, pioneerId, raterKind, rating}", "input")
    review_id, pioneer_id = data.get("review_id"), data.get("pioneer_id")
    if not isinstance(review_id, str) or not review_id:
        raise BadInput("the review is needed", "reviewId")
    if not isinstance(pioneer_id, str) or not pioneer_id:
        raise BadInput("the pioneer rated is needed", "pioneerId")
    rater_kind, rating = data.get("rater_kind"), data.get("rating")
    if rater_kind not in RATER_KINDS:
        raise BadInput(f"{rater_kind!r} is not a kind of rater; one of "
                       f"{', '.join(RATER_KINDS)}", "raterKind")
    if rating not in PIONEER_RATINGS:
        raise BadInput(f"{rating!r} is not a rating; one of {', '.join(PIONEER_RATINGS)}",
                       "rating")
    return Rating(review_id, pioneer_id, rater_kind, rating)
