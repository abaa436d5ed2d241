// The touchpoint screen: autosave, stopwatches and photos.
import { autosave } from "./autosave.js";
import { photoPicker } from "./camera.js";
import { stopwatch } from "./stopwatch.js";

const form = document.querySelector("form[data-autosave]");
if (form && !form.querySelector("fieldset[disabled]")) {
  const csrf = form.elements.csrf_token.value;
  autosave(form);
  for (const root of form.querySelectorAll("[data-stopwatch]")) stopwatch(root);
  for (const root of form.querySelectorAll("[data-photos]")) photoPicker(root, csrf);
}
