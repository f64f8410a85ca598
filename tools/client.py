"""A small GraphQL client for tools, benchmarks and end-to-end tests."""
import base64

import requests


class GraphQLFailed(Exception):
    def __init__(self, errors):
        super().__init__("; ".join(f"{e.get('extensions', {}).get('code')}: {e['message']}"
                                   for e in errors))
        self.errors = errors

    @property
    def codes(self):
        return [e.get("extensions", {}).get("code") for e in self.errors]


class Client:
    def __init__(self, url, token=None, timeout=30):
        self.url = url.rstrip("/") + "/graphql"
        self.token = token
        self.session = requests.Session()
        self.timeout = timeout

    def post(self, query, variables=None, token=None, headers=None):
        """The raw response: for status codes and errors alike. ``headers``
        adds to the request's, e.g. an Idempotency-Key to make a retry safe."""
        headers = dict(headers or {})
        token = token if token is not None else self.token
        if token:
            headers["Authorization"] = f"Bearer {token}"
        return self.session.post(self.url, json={"query": query, "variables": variables or {}},
                                 headers=headers, timeout=self.timeout)

    def run(self, query, variables=None, token=None, headers=None):
        """``data``, or GraphQLFailed carrying the errors."""
        response = self.post(query, variables, token, headers)
        response.raise_for_status()
        body = response.json()
        if body.get("errors"):
            raise GraphQLFailed(body["errors"])
        return body["data"]

    def create_org(self, name, kind, parent_id=None):
        return self.run("""mutation($i: OrganizationInput!) {
            createOrganization(input: $i) { id name kind } }""",
                        {"i": {"name": name, "kind": kind, "parentId": parent_id}})["createOrganization"]

    def register_member(self, name, branch_id, roles=None, **extra):
        return self.run("""mutation($i: MemberInput!) {
            registerMember(input: $i) { id name roles } }""",
                        {"i": {"name": name, "branchId": branch_id, "roles": roles, **extra}})["registerMember"]

    def record_activity(self, org_id, kind, theme, held_on, attendance, **extra):
        return self.run("""mutation($i: ActivityInput!) {
            recordActivity(input: $i) { id kind theme heldOn attendance { member { id } status reason } } }""",
                        {"i": {"orgId": org_id, "kind": kind, "theme": theme, "heldOn": held_on,
                               "attendance": attendance, **extra}})["recordActivity"]

    def record_activities(self, inputs, token=None):
        return self.run("""mutation($i: [ActivityInput!]!) {
            recordActivities(inputs: $i) { id kind theme heldOn org { id }
                attendance { member { id } status reason } } }""",
                        {"i": inputs}, token=token)["recordActivities"]

    def import_activities(self, org_id, content, dry_run=False, token=None):
        """``content``: the bytes of an .xlsx or UTF-8 .csv."""
        return self.run("""mutation($o: ID!, $f: String!, $d: Boolean) {
            importActivities(orgId: $o, file: $f, dryRun: $d) {
                dryRun created errors { row column message } } }""",
                        {"o": org_id, "f": base64.b64encode(content).decode(), "d": dry_run},
                        token=token)["importActivities"]

    def import_roster(self, org_id, content, dry_run=False, token=None):
        """``content``: the bytes of an .xlsx or UTF-8 .csv roster (花名册)."""
        return self.run("""mutation($o: ID!, $f: String!, $d: Boolean) {
            importRoster(orgId: $o, file: $f, dryRun: $d) {
                dryRun created updated errors { row column message } } }""",
                        {"o": org_id, "f": base64.b64encode(content).decode(), "d": dry_run},
                        token=token)["importRoster"]
