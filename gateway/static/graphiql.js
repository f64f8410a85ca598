// GraphiQL on this gateway's own /graphql. The token goes in the Headers tab
// (Authorization: Bearer ...); the console's sign-in, when there is one in
// this tab, fills it in. A file, not an inline script, so the page's Content
// Security Policy can refuse every script not served from here.
const signedIn = sessionStorage.getItem("xf.token");
const headers = JSON.stringify(
  {Authorization: "Bearer " + (signedIn || "<token printed by make run>")}, null, 2);
const fetcher = GraphiQL.createFetcher({url: "/graphql"});
ReactDOM.createRoot(document.getElementById("graphiql")).render(
  React.createElement(GraphiQL, {fetcher, defaultEditorToolsVisibility: "headers",
                                 defaultHeaders: headers}));
