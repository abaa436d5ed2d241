// Head office's preview of a checklist version: the touchpoint screens as a shopper sees
// them, with the checklist's rules working. Answers tried here are kept for this tab only
// (sessionStorage), so that a rule on an earlier touchpoint's answer shows on a later one.
import { applyLogic, readControls, tidyControls, writeControls } from "./logic-view.js";
import { loadVersion } from "./progress.js";

const form = document.querySelector("form[data-touchpoint]");

async function preview() {
  const version = await loadVersion(Number(form.dataset.version));
  if (!version) return;
  const position = Number(form.dataset.position);
  const key = `preview:${version.id}`;
  const tried = JSON.parse(sessionStorage.getItem(key) || "{}");
  const here = version.touchpoints[position - 1];
  const answerOf = (tp, q) => (tp === here ? readControls(form, q) : tried[q.id]);
  const show = () => applyLogic(form, version, position, (tp, q) => {
    const answer = answerOf(tp, q);
    return answer?.invalid ? undefined : answer;
  });
  for (const q of here.questions) { // what was tried on this screen before
    if (tried[q.id]) writeControls(form, q.id, tried[q.id]);
  }
  show();
  const remember = (event) => {
    if (event.type === "change") tidyControls(form, event.target);
    for (const q of here.questions) {
      const answer = readControls(form, q);
      if (answer) tried[q.id] = answer;
      else delete tried[q.id];
    }
    sessionStorage.setItem(key, JSON.stringify(tried));
    show();
  };
  form.addEventListener("change", remember);
  form.addEventListener("input", remember);
}

if (form) preview();
