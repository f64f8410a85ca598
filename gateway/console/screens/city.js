// City: ranking and reports (screen 4).
import { h, show, states } from "../ui.js";

export default {
  key: "city",
  title: "排名与报表",
  offered: (who) => who.all || (!!who.org && ["CITY", "BUREAU"].includes(who.org.kind)),
  render(view, who) {
    show(view, h("h1", {}, "排名与报表"), states.empty());
  },
};
