// A small count (rings, days late) answered with one tap: 0 to 5 as buttons, and "6+"
// for the rare larger count, which opens a stepper (− and +) on the number field. The
// number field stays the answer (and the whole control without scripts).

export function counter(root) {
  const input = root.querySelector("input[name^=q-]:not([type=checkbox])");
  const naBox = root.parentElement.querySelector("input[type=checkbox][name$=-na]");
  const most = Number(root.dataset.counter);
  const row = Object.assign(document.createElement("div"), { className: "count-buttons" });
  row.setAttribute("role", "group");
  row.setAttribute("aria-label", input.getAttribute("aria-label") || "Count");
  const buttons = [];

  function set(value) {
    input.value = value === "" ? "" : String(value);
    if (naBox && value !== "") naBox.checked = false;
    input.dispatchEvent(new Event("change", { bubbles: true }));
    show();
  }

  function button(label, value) {
    const b = Object.assign(document.createElement("button"), { type: "button", className: "count", textContent: label });
    b.dataset.value = value;
    b.addEventListener("click", () => set(value === "more" ? Math.max(most + 1, Number(input.value) || 0) : value));
    buttons.push(b);
    row.append(b);
  }

  for (let n = 0; n <= most; n += 1) button(String(n), String(n));
  button(`${most + 1}+`, "more");

  const stepper = Object.assign(document.createElement("div"), { className: "count-stepper" });
  const step = (by, label, name) => {
    const b = Object.assign(document.createElement("button"), { type: "button", className: "button", textContent: label });
    b.setAttribute("aria-label", name);
    b.addEventListener("click", () => set(Math.max(0, (Number(input.value) || 0) + by)));
    return b;
  };
  input.closest("label").before(row);
  input.closest("label").before(stepper);
  stepper.append(step(-1, "−", "One fewer"), input.closest("label"), step(1, "+", "One more"));

  function show() {
    const value = input.value.trim();
    const number = Number(value);
    const large = value !== "" && Number.isFinite(number) && number > most;
    for (const b of buttons) {
      const pressed = b.dataset.value === "more" ? large : value !== "" && b.dataset.value === value;
      b.setAttribute("aria-pressed", String(pressed));
    }
    stepper.hidden = !(large || (value !== "" && !Number.isInteger(number)));
  }

  input.addEventListener("input", show);
  input.addEventListener("change", show);
  naBox?.addEventListener("change", () => {
    if (naBox.checked) {
      input.value = "";
      show();
    }
  });
  return show;
}
