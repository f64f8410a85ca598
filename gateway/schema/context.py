"""What a request knows: the caller, and loaders that batch its look-ups
(one RPC per level of a query, see gateway/dataloader.py) and keep what they
fetched for the length of the request."""
from graphql import GraphQLError

from gateway.auth import forbidden
from gateway.dataloader import Batcher
from shared import idempotency


def _not_found(message, field):
    return GraphQLError(f"{field}: {message}", extensions={"code": "NOT_FOUND", "field": field})


def _bad_input(message, field):
    return GraphQLError(f"{field}: {message}", extensions={"code": "BAD_INPUT", "field": field})


class RequestContext:
    """The caller, the request's Idempotency-Key and a per-request cache of
    what has been looked up."""

    def __init__(self, principal, rpc, idempotency_key=None):
        self.principal = principal
        self.rpc = rpc
        self.idempotency_key = idempotency_key or idempotency.client_key(None)
        batcher = Batcher()
        self.orgs = batcher.loader(self._orgs)
        self.members = batcher.loader(self._members)
        self.children = batcher.loader(self._children)
        self.org_members = batcher.loader(self._org_members)
        self.points = batcher.loader(self._points)

    def request_of(self, info):
        """What a mutation field passes to its service so that it is carried
        out once (shared/idempotency.py): one key per field of the request,
        and the caller."""
        return {"key": idempotency.field_key(self.idempotency_key, info.path.key),
                "subject": self.principal.sub}

    def call(self, service, method, *args):
        return self.rpc.call(service, method, *args)

    def call_patiently(self, timeout, service, method, *args):
        """A call that may take up to ``timeout`` seconds (bulk work)."""
        return self.rpc.patient(timeout).call(service, method, *args)

    # -- batch functions: keys in, values (or errors) aligned out --------------

    def _orgs(self, org_ids):
        found = {o["id"]: o for o in self.call("organization", "get_organizations",
                                               [i for i in org_ids if i])}
        return [found.get(i) or (_not_found(f"there is no organisation {i}", "orgId") if i else
                                 _bad_input("an organisation id is needed", "orgId"))
                for i in org_ids]

    def _members(self, member_ids):
        found = {m["id"]: m for m in self.call("organization", "get_members", list(member_ids))}
        return [found.get(i) or _not_found(f"there is no member {i}", "id") for i in member_ids]

    def _children(self, org_ids):
        by_parent = self.call("organization", "children_of", list(org_ids))
        for children in by_parent.values():
            for org in children:
                self.orgs.prime(org["id"], org)
        return [by_parent.get(i, []) for i in org_ids]

    def _org_members(self, org_ids):
        by_org = self.call("organization", "members_of_orgs", list(org_ids))
        for members in by_org.values():
            for member in members:
                self.members.prime(member["id"], member)
        return [by_org.get(i, []) for i in org_ids]

    def _points(self, keys):
        """``keys``: (member id, year); one call per year asked for."""
        years = {}
        for member_id, year in keys:
            years.setdefault(year, []).append(member_id)
        summaries = {year: self.call("scoring", "points_summaries", list(dict.fromkeys(ids)),
                                     year)
                     for year, ids in years.items()}
        return [summaries[year][member_id] for member_id, year in keys]

    # -- look-ups and scope checks -------------------------------------------

    async def org(self, org_id):
        return await self.orgs.load(org_id)

    async def visible_org(self, org_id):
        org = await self.org(org_id)
        if not self.principal.sees(org["path"]):
            raise forbidden(f"organisation {org_id} is outside what you may see")
        return org

    async def member(self, member_id):
        return await self.members.load(member_id)

    async def visible_member(self, member_id):
        member = await self.member(member_id)
        if not self.principal.sees(member["branch_path"]):
            raise forbidden(f"member {member_id} is outside what you may see")
        return member

    @staticmethod
    async def _named_in_input(lookup, key, field, noun):
        """Something named in a mutation's input: one that does not exist
        makes the input bad (BAD_INPUT), not the request's target missing."""
        try:
            return await lookup(key)
        except GraphQLError as exc:
            if (exc.extensions or {}).get("code") != "NOT_FOUND":
                raise
            raise _bad_input(f"there is no {noun} {key}", field) from None

    async def input_org(self, org_id, field):
        return await self._named_in_input(self.visible_org, org_id, field, "organisation")

    async def input_member(self, member_id, field):
        return await self._named_in_input(self.visible_member, member_id, field, "member")

    def require_writer(self, what):
        if not self.principal.may_write:
            raise forbidden(f"{what} needs the admin or secretary role; viewers and "
                            "members cannot change others' records")
