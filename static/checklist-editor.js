// Head office's checklist editor (templates/office/checklist_edit.html): a condition's
// operators and values follow the question it names as soon as the question is picked.
// Without this module the form still works: "Show the answers to pick from" asks the server.
const WITHOUT_VALUE = new Set(["answered", "not_answered"]);

/** The values of the question picked in a row, [[value, words], …], or null for a text box. */
function valuesOf(row) {
  const picked = row.querySelector("[data-rule-question]").selectedOptions[0];
  return picked?.dataset.values ? JSON.parse(picked.dataset.values) : null;
}

/** The operators that fit the picked question's kind (all of them before one is picked). */
function fitOperators(row) {
  const kind = row.querySelector("[data-rule-question]").selectedOptions[0]?.dataset.kind || "";
  const op = row.querySelector("[data-rule-op]");
  for (const option of op.options) {
    const fits = !kind || option.dataset.kinds.split(" ").includes(kind);
    option.hidden = !fits;
    option.disabled = !fits;
  }
  if (op.selectedOptions[0]?.disabled) {
    op.value = [...op.options].find((option) => !option.disabled)?.value ?? "";
  }
}

/** A select of the question's values ("is one of": several), or a text box for a number;
 * what was chosen before stays chosen where it still can be. */
function showValue(row) {
  const op = row.querySelector("[data-rule-op]").value;
  const box = row.querySelector("[data-rule-value]");
  const old = box.querySelector("select, input");
  const chosen = old.tagName === "SELECT"
    ? [...old.selectedOptions].map((option) => option.value).filter(Boolean)
    : old.value.split(",").map((part) => part.trim()).filter(Boolean);
  const values = valuesOf(row);
  let control;
  if (values) {
    control = document.createElement("select");
    control.multiple = op === "in";
    if (control.multiple) control.size = Math.min(values.length, 5);
    else control.append(new Option("Choose a value", ""));
    for (const [value, words] of values) {
      control.append(new Option(words, value, false, chosen.includes(value)));
    }
  } else {
    control = Object.assign(document.createElement("input"),
      { type: "text", inputMode: "decimal", value: chosen.join(", ") });
  }
  for (const name of ["id", "name", "aria-invalid", "aria-describedby"]) {
    if (old.hasAttribute(name)) control.setAttribute(name, old.getAttribute(name));
  }
  old.replaceWith(control);
  box.hidden = WITHOUT_VALUE.has(op);
}

const form = document.querySelector("form.editor");
form?.addEventListener("change", (event) => {
  const target = event.target;
  const row = target.closest("[data-rule-row]");
  if (target.matches("[data-rule-question]")) {
    fitOperators(row);
    showValue(row);
  } else if (target.matches("[data-rule-op]")) {
    showValue(row);
  } else if (target.matches("[data-rule-when]")) {
    // "When these conditions hold" with none yet: add the first (a form post, as without JS).
    const rule = target.closest(".editor-rule");
    const rows = rule.querySelectorAll("[data-rule-row], .rule-join, [data-rule-add]");
    for (const row of rows) row.hidden = target.value !== "condition";
    if (target.value === "condition" && !rule.querySelector("[data-rule-row]")) {
      rule.querySelector("[data-rule-add]").click();
    }
  }
});
for (const button of document.querySelectorAll("[data-refresh-values]")) button.hidden = true;

// Reordering from the keyboard: Alt+↑ / Alt+↓ on a folded touchpoint's or question's line
// (or on its move buttons) presses its move button. The page comes back with the cursor on
// the moved item's button, and the status line says where it went.
form?.addEventListener("keydown", (event) => {
  if (!event.altKey || !["ArrowUp", "ArrowDown"].includes(event.key)) return;
  if (!event.target.matches(".editor-summary, [data-move]")) return;
  const item = event.target.closest("[data-move-item]");
  const way = event.key === "ArrowUp" ? "up" : "down";
  const button = item?.querySelector(`:scope > .editor-move [data-move="${way}"]`);
  event.preventDefault();
  if (button && !button.disabled) form.requestSubmit(button);
});
const status = document.querySelector("[data-move-status]");
if (status?.dataset.announce) {
  // Filled after load, so screen readers hear it as a change.
  setTimeout(() => { status.textContent = status.dataset.announce; }, 100);
}
