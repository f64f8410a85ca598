// Branch: its members' points, study and practice (screen 2).
import { h, show, states } from "../ui.js";

export default {
  key: "members",
  title: "党员情况",
  offered: (who) => !!who.org && ["BRANCH", "GROUP"].includes(who.org.kind),
  render(view, who) {
    show(view, h("h1", {}, "党员情况"), states.empty());
  },
};
