"""What a request knows: the caller, and loaders that batch its look-ups
(one RPC per level of a query, see gateway/dataloader.py) and keep what they
fetched for the length of the request."""
import asyncio
import functools

from graphql import GraphQLError

from gateway.auth import ALL, forbidden
from gateway.dataloader import Batcher
from gateway.schema.guard import as_of, membership_on, sees_member
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
        self.contact_branches = batcher.loader(self._contact_branches)
        self.contacts = batcher.loader(self._contacts)

    def request_of(self, info):
        """What a mutation field passes to its service so that it is carried
        out once (shared/idempotency.py): one key per field of the request,
        and the caller."""
        return {"key": idempotency.field_key(self.idempotency_key, info.path.key),
                "subject": self.principal.sub}

    def call(self, service, method, *args, **kwargs):
        return self.rpc.call(service, method, *args, **kwargs)

    def call_patiently(self, timeout, service, method, *args, **kwargs):
        """A call that may take up to ``timeout`` seconds (bulk work)."""
        return self.rpc.patient(timeout).call(service, method, *args, **kwargs)

    @property
    def roles(self):
        """The caller's roles, for a service whose rules depend on them."""
        return sorted(self.principal.roles)

    # -- batch functions: keys in, values (or errors) aligned out --------------

    def _orgs(self, org_ids):
        # the organisations this gateway process fetched before (gateway/rpc.py)
        known = getattr(self.rpc, "known_orgs", None)
        found = {i: known.get(i) if known else None for i in org_ids if i}
        missing = [i for i, org in found.items() if not org]
        if missing:
            fetched = self.call("organization", "get_organizations", missing)
            if known is not None:
                known.add(fetched)
            found.update((o["id"], o) for o in fetched)
        return [found.get(i) or (_not_found(f"there is no organisation {i}", "orgId") if i else
                                 _bad_input("an organisation id is needed", "orgId"))
                for i in org_ids]

    def _members(self, member_ids):
        found = {m["id"]: m for m in self.call("organization", "get_members", list(member_ids))}
        return [found.get(i) or _not_found(f"there is no member {i}", "id") for i in member_ids]

    def _grouped(self, method, keys, primed):
        """``method`` of the organisation service answers {key: [objects]}:
        each object found is kept by ``primed`` (the orgs or members loader),
        so that looking it up again costs nothing."""
        by_key = self.call("organization", method, list(keys))
        for objects in by_key.values():
            for obj in objects:
                primed.prime(obj["id"], obj)
        return [by_key.get(k, []) for k in keys]

    def _children(self, org_ids):
        return self._grouped("children_of", org_ids, self.orgs)

    def _org_members(self, org_ids):
        return self._grouped("members_of_orgs", org_ids, self.members)

    def _contact_branches(self, member_ids):
        """The branches each member contacts (联系点)."""
        return self._grouped("contact_branches_of", member_ids, self.orgs)

    def _contacts(self, org_ids):
        """The members who contact each branch (联系点)."""
        return self._grouped("contacts_of", org_ids, self.members)

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
    #
    # An id the caller names is judged here; what a query reaches from it is
    # judged by gateway/schema/guard.py. Below "*", an id that does not exist
    # gets the same answer as one outside the subtree (FORBIDDEN, the same
    # words), so an answer never tells whether another bureau has it.

    async def org(self, org_id):
        return await self.orgs.load(org_id)

    def _hidden(self, exc):
        return self.principal.scope != ALL and (exc.extensions or {}).get("code") == "NOT_FOUND"

    async def _look_up(self, lookup, key, message):
        """``lookup(key)``; one that does not exist, where the caller may not
        be told so, is FORBIDDEN in ``message``'s words."""
        try:
            return await lookup(key)
        except GraphQLError as exc:
            if self._hidden(exc):
                raise forbidden(message) from None
            raise

    def named(self, service, method, key, noun, path_key=None):
        """``service.method(key)``: an object the caller names by id (an
        appraisal, a pioneer, an item, ...). Below "*" one that does not exist
        is FORBIDDEN in the same words as one outside the subtree; with
        ``path_key``, one whose path there the caller does not see is too."""
        message = f"{noun} {key} is outside what you may see"
        try:
            found = self.call(service, method, key)
        except GraphQLError as exc:
            if self._hidden(exc):
                raise forbidden(message) from None
            raise
        if path_key is not None and not self.principal.sees(found[path_key]):
            raise forbidden(message)
        return found

    async def visible_org(self, org_id):
        message = f"organisation {org_id} is outside what you may see"
        org = await self._look_up(self.org, org_id, message)
        if not self.principal.sees(org["path"]):
            raise forbidden(message)
        return org

    async def member(self, member_id):
        return await self.members.load(member_id)

    async def member_on(self, member_id, day):
        """The member as seen on ``day`` (see guard.as_of)."""
        return as_of(await self.member(member_id), day)

    async def visible_member(self, member_id):
        message = f"member {member_id} is outside what you may see"
        member = await self._look_up(self.member, member_id, message)
        if not sees_member(self.principal, member):
            raise forbidden(message)
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

    async def input_orgs(self, **fields):
        """``input_org`` of each ``field=org id`` given (None skipped), in one look-up."""
        await asyncio.gather(*(self.input_org(org_id, field)
                               for field, org_id in fields.items() if org_id))

    async def _first_unseen(self, references):
        """``references``: (member id, day, input field) named in an input.
        The (member id, field) of the first member the caller may not see on
        that day or that does not exist, or None; one look-up."""
        if self.principal.scope == ALL or not references:
            return None
        found = await asyncio.gather(*(self.member(m) for m, _, _ in references),
                                     return_exceptions=True)
        for (member_id, day, field), member in zip(references, found):
            if isinstance(member, GraphQLError) and not self._hidden(member):
                raise member
            if isinstance(member, BaseException) or \
                    not sees_member(self.principal, member, day):
                return member_id, field
        return None

    async def refuse_hidden_members(self, references):
        """The first member of ``references`` the caller may not see on that
        day (or that does not exist) is FORBIDDEN, in the same words either
        way."""
        unseen = await self._first_unseen(references)
        if unseen:
            member_id, field = unseen
            raise forbidden(f"{field}: member {member_id} is outside what you may see")

    async def refuse_unseen_guests(self, references):
        """``references``: (member id, day, input field) of an activity's
        guests. The first the caller may not see on that day, or that does
        not exist, makes the input bad (the contract's word for a bad guest),
        in words that name no one."""
        unseen = await self._first_unseen(references)
        if unseen:
            raise _bad_input("no member you may see on that day has this id; a guest is "
                             "a member within your scope, from outside the holding "
                             "organisation", unseen[1])

    def require_writer(self, what):
        if not self.principal.may_write:
            raise forbidden(f"{what} needs the admin or secretary role; viewers and "
                            "members cannot change others' records")

    # -- a member's own records ("(self)" in the contract) ---------------------

    def is_self(self, member_id):
        """The caller is the member ``member_id`` acting on their own records:
        a token with the role "member" whose subject is that member (a
        viewer's never writes, whatever else it holds)."""
        roles = self.principal.roles
        return "member" in roles and "viewer" not in roles and self.principal.sub == member_id

    async def require_self_or_writer(self, member_id, what, field="memberId"):
        """The member a "(self)" write is about, once the caller may write it:
        an admin or secretary with the member in scope, or the member's own
        token. Anything else is FORBIDDEN, before anything is written."""
        if self.is_self(member_id):
            try:
                return await self.member(member_id)
            except GraphQLError as exc:
                if (exc.extensions or {}).get("code") != "NOT_FOUND":
                    raise
                raise forbidden(f"member {member_id} is outside what you may see") from None
        if not self.principal.may_write:
            raise forbidden(f"{what} needs the admin or secretary role, or the member's own "
                            "token; viewers and members cannot change others' records")
        return await self.input_member(member_id, field)

    async def readable_member(self, member_id):
        """A member whose own records (self-study) are asked for: the member
        themself, or anyone who sees the member."""
        if self.is_self(member_id):
            return
        await self.visible_member(member_id)

    async def org_of_member(self, org_id, member, field="orgId"):
        """An organisation a member's own token names: one in its scope, or
        one above its scope that the member belongs under today (a committee
        they propose a theme to). Any other is FORBIDDEN in visible_org's
        words, whether or not it exists."""
        message = f"organisation {org_id} is outside what you may see"
        org = await self._look_up(self.org, org_id, message)
        branch_path = membership_on(member)["branch_path"]
        if self.principal.sees(org["path"]) or \
                list(branch_path[:len(org["path"])]) == list(org["path"]):
            return org
        raise forbidden(message)


def names_members(references_of):
    """For a mutation whose input names members (attendees, a speaker) that
    the service checks: when the service finds the input bad, a member the
    caller may not see, or one that does not exist, is FORBIDDEN instead,
    never a message naming it. Only a refused input pays the look-up.
    ``references_of(args)`` gives (member id, day, input field) of each."""
    def decorate(mutate):
        @functools.wraps(mutate)
        async def mutate_naming_members(root, info, **args):
            try:
                return await mutate(root, info, **args)
            except GraphQLError as exc:
                if (exc.extensions or {}).get("code") != "BAD_INPUT":
                    raise
                await info.context.refuse_hidden_members(references_of(args))
                raise
        return mutate_naming_members
    return decorate
