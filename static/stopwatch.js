// A stopwatch for waits: start/stop/reset. It keeps the moment it started, not a running
// count, so the time stays right if the screen locks or the page reloads.
function format(seconds) {
  const s = Math.max(0, Math.floor(seconds));
  const m = Math.floor(s / 60);
  return `${String(m).padStart(2, "0")}:${String(s % 60).padStart(2, "0")}`;
}

export function stopwatch(root) {
  const key = `stopwatch:${root.dataset.stopwatch}`;
  const display = root.querySelector(".stopwatch-time");
  const toggle = root.querySelector("[data-action=toggle]");
  const reset = root.querySelector("[data-action=reset]");
  const input = root.querySelector("input");
  let state = JSON.parse(localStorage.getItem(key) || "null") ||
    { running: false, startedAt: 0, elapsedMs: (parseFloat(input.value) || 0) * 1000 };
  let ticker = null;

  const seconds = () => (state.elapsedMs + (state.running ? Date.now() - state.startedAt : 0)) / 1000;

  function render() {
    display.textContent = format(seconds());
    const icon = Object.assign(document.createElement("span"), { className: "icon", textContent: state.running ? "■" : "▶" });
    icon.setAttribute("aria-hidden", "true");
    toggle.replaceChildren(icon, state.running ? "Stop" : (seconds() > 0 ? "Resume" : "Start"));
    toggle.classList.toggle("button-stop", state.running); // red while it runs: not the Start it was
    root.classList.toggle("running", state.running);
  }

  function persist() {
    localStorage.setItem(key, JSON.stringify(state));
    clearInterval(ticker);
    if (state.running) ticker = setInterval(render, 250);
    render();
  }

  function record() {
    input.value = state.elapsedMs > 0 ? String(Math.round(state.elapsedMs / 1000)) : "";
    input.dispatchEvent(new Event("change", { bubbles: true }));
  }

  toggle.addEventListener("click", () => {
    if (state.running) {
      state = { running: false, startedAt: 0, elapsedMs: state.elapsedMs + Date.now() - state.startedAt };
      persist();
      record();
    } else {
      state = { ...state, running: true, startedAt: Date.now() };
      persist();
    }
  });
  reset.addEventListener("click", () => {
    state = { running: false, startedAt: 0, elapsedMs: 0 };
    persist();
    record();
  });
  input.addEventListener("change", () => {
    if (!state.running) {
      state.elapsedMs = (parseFloat(input.value) || 0) * 1000;
      persist();
    }
  });
  persist();
}
