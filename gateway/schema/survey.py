"""Section "supervision" of the contract, its yearly thought survey
(思想政治状况调查, U7): surveys(orgId, year), openSurvey, answerSurvey.

A writer whose scope holds the committee opens a survey. answerSurvey is
"(self)": the member's own token, for a survey of a committee the member
belongs under (above the token's scope, as the contract allows), or an
admin or secretary who sees both the member and the survey's committee.
Below "*" a survey that does not exist is FORBIDDEN in the same words as
one outside the caller's reach. Nothing here logs the answers; the
supervision service keeps them apart from the member."""
import graphene
from gateway.auth import forbidden
from gateway.schema.guard import membership_on
from gateway.schema.organisation import Organization

# the member who just answered: their own token is shown the survey answered,
# whatever its scope (gateway/schema/guard.py)
ANSWERED_BY = "answered_by"


class Survey(graphene.ObjectType):
    id = graphene.ID(required=True)
    committee = graphene.Field(Organization, required=True)
    year = graphene.Int(required=True)
    questions = graphene.List(graphene.NonNull(graphene.String), required=True)
    responses = graphene.Int(required=True)
    # per question, the counts of choices 1..5; null while too few responded
    results = graphene.List(graphene.NonNull(graphene.List(graphene.NonNull(graphene.Int))))

    @staticmethod
    async def resolve_committee(survey, info):
        return await info.context.org(survey["committee_id"])


def _outside(survey_id):
    return forbidden(f"survey {survey_id} is outside what you may see")


def _survey(ctx, survey_id):
    """The survey (who may reach it, _within_reach judges)."""
    return ctx.named("supervision", "get_survey", survey_id, "survey")


def _within_reach(ctx, survey, member):
    """A survey the caller may answer for ``member``: its committee in the
    caller's scope, or, for the member's own token, a committee the member
    belongs under today."""
    committee_path = list(survey["committee_path"])
    if ctx.principal.sees(committee_path):
        return
    if ctx.is_self(member["id"]):
        branch_path = list(membership_on(member)["branch_path"])
        if branch_path[:len(committee_path)] == committee_path:
            return
    raise _outside(survey["id"])


class Queries:
    surveys = graphene.List(graphene.NonNull(Survey), required=True,
                            org_id=graphene.ID(required=True), year=graphene.Int(required=True))

    @staticmethod
    async def resolve_surveys(_root, info, org_id, year):
        await info.context.visible_org(org_id)
        return info.context.call("supervision", "surveys", org_id, year)


class OpenSurvey(graphene.Mutation):
    class Arguments:
        committee_id = graphene.ID(required=True)
        year = graphene.Int(required=True)
        questions = graphene.List(graphene.NonNull(graphene.String), required=True)

    Output = graphene.NonNull(Survey)

    @staticmethod
    async def mutate(_root, info, committee_id, year, questions):
        ctx = info.context
        ctx.require_writer("opening a survey")
        await ctx.input_org(committee_id, "committeeId")
        return ctx.call("supervision", "open_survey", committee_id, year, list(questions),
                        ctx.principal.sub, ctx.request_of(info))


class AnswerSurvey(graphene.Mutation):
    class Arguments:
        survey_id = graphene.ID(required=True)
        member_id = graphene.ID(required=True)
        answers = graphene.List(graphene.NonNull(graphene.Int), required=True)

    Output = graphene.NonNull(Survey)

    @staticmethod
    async def mutate(_root, info, survey_id, member_id, answers):
        ctx = info.context
        member = await ctx.require_self_or_writer(member_id, "answering a survey")
        _within_reach(ctx, _survey(ctx, survey_id), member)
        survey = ctx.call("supervision", "answer_survey", survey_id, member_id, list(answers),
                          ctx.request_of(info))
        return {**survey, ANSWERED_BY: member_id}


class Mutations:
    open_survey = OpenSurvey.Field()
    answer_survey = AnswerSurvey.Field()
