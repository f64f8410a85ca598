// Bureau office: who is behind (screen 3).
import { h, show, states } from "../ui.js";

export default {
  key: "bureau",
  title: "督查督办",
  offered: (who) => who.all || (!!who.org && ["CITY", "BUREAU", "COMMITTEE"].includes(who.org.kind)),
  render(view, who) {
    show(view, h("h1", {}, "督查督办"), states.empty());
  },
};
