"""The yearly thought survey (思想政治状况调查, SPEC U7), pure: a committee's
questions, a member's answers, the results shown, and the fact that counts
for quota U7.

A committee (局党委) opens a survey of a year with one or more questions;
every question is answered with a choice 1..5. Each member of the
committee's subtree answers once. The survey is anonymous: who answered is
kept apart from what was answered, and what was answered is kept only as
counts per question and choice (``tally``), never as one member's set of
answers. The counts are shown only once enough members answered
(``survey_min_responses`` of the supervision rule set): with fewer, one
answer could be told from the next."""
import datetime as dt
from dataclasses import dataclass

from shared.errors import BadInput
from shared.periods import parse_year

CHOICES = (1, 2, 3, 4, 5)
MAX_QUESTIONS = 100
MAX_QUESTION_CHARS = 500


def questions_of(raw):
    """The questions as stored: each stripped, at least one, none blank."""
    if not isinstance(raw, (list, tuple)) or not raw:
        raise BadInput("a survey asks at least one question", "questions")
    if len(raw) > MAX_QUESTIONS:
        raise BadInput(f"a survey asks at most {MAX_QUESTIONS} questions, not {len(raw)}",
                       "questions")
    out = []
    for position, question in enumerate(raw, 1):
        text = question.strip() if isinstance(question, str) else ""
        if not text:
            raise BadInput(f"question {position} is blank; every question needs its words",
                           "questions")
        if len(text) > MAX_QUESTION_CHARS:
            raise BadInput(f"question {position} has {len(text)} characters; at most "
                           f"{MAX_QUESTION_CHARS}", "questions")
        out.append(text)
    return tuple(out)


def answers_of(raw, question_count):
    """The answers, one choice 1..5 per question in the questions' order.
    The message of a refusal names the position, never the member."""
    if not isinstance(raw, (list, tuple)):
        raise BadInput("answers is a list of choices 1..5, one per question", "answers")
    if len(raw) != question_count:
        raise BadInput(f"the survey asks {question_count} question"
                       f"{'' if question_count == 1 else 's'}; give one answer per "
                       f"question, not {len(raw)}", "answers")
    for position, choice in enumerate(raw, 1):
        if isinstance(choice, bool) or not isinstance(choice, int) or choice not in CHOICES:
            raise BadInput(f"answer {position} is {choice!r}; each answer is a choice "
                           f"{CHOICES[0]}..{CHOICES[-1]}", "answers")
    return tuple(raw)


def year_of(raw, today):
    """A survey is of this year or an earlier one."""
    parse_year(raw)
    if raw > today.year:
        raise BadInput(f"{raw} has not begun (today is {today}); a survey is of this year "
                       "or an earlier one", "year")
    return raw


def belongs(branch_path, committee_path):
    """Whether a member placed at ``branch_path`` is under the committee."""
    committee_path = tuple(committee_path)
    return tuple(branch_path[:len(committee_path)]) == committee_path


def by_choice(answers):
    """{choice: the question positions (from 0) given that choice}: what one
    response adds to the counts, a choice at a time."""
    out = {}
    for question, choice in enumerate(answers):
        out.setdefault(choice, []).append(question)
    return out


def tally(responses):
    """The counts of ``responses`` (each a tuple of answers): per question,
    how many chose 1..5. The reference the stored counts are checked against."""
    if not responses:
        return []
    counts = [[0] * len(CHOICES) for _ in responses[0]]
    for answers in responses:
        for question, choice in enumerate(answers):
            counts[question][choice - 1] += 1
    return counts


def results(counts, responses, min_responses):
    """What is shown: the counts per question and choice 1..5, or None while
    fewer than ``min_responses`` members answered."""
    if responses < min_responses:
        return None
    return [list(row) for row in counts]


@dataclass(frozen=True)
class SurveyFact:
    """A survey opened (quota U7): counts for its committee in its year,
    told on the day it was opened."""
    survey_id: str
    committee_id: str
    committee_path: tuple
    year: int
    opened_on: dt.date

    @property
    def period_day(self):
        return dt.date(self.year, 1, 1)

    @property
    def told_on(self):
        return self.opened_on

    @property
    def place(self):
        return self.committee_path
