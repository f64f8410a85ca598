// Branch secretary: what is due this month and this year (screen 1).
import { h, show, states } from "../ui.js";

export default {
  key: "due",
  title: "待办指标",
  offered: (who) => !!who.org && ["BRANCH", "GROUP"].includes(who.org.kind),
  render(view, who) {
    show(view, h("h1", {}, "待办指标"), states.empty());
  },
};
