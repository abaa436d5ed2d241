// A form marked data-unsaved-warning warns before the page is left with changes not saved:
// typed into since the page loaded, or already changed when the server sent it
// (data-unsaved-warning="dirty": the page answers an editor button's post). Submitting the
// form is not leaving it.
let dirty = null;

for (const form of document.querySelectorAll("form[data-unsaved-warning]")) {
  if (form.dataset.unsavedWarning === "dirty") dirty = form;
  const mark = () => { dirty = form; };
  form.addEventListener("input", mark);
  form.addEventListener("change", mark);
  form.addEventListener("submit", () => { dirty = null; });
}

window.addEventListener("beforeunload", (event) => {
  if (!dirty) return;
  event.preventDefault();
  event.returnValue = "";  // older browsers ask for it
});
