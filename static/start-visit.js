// Starting a visit: give it an id made on the phone, and ask (never insist) where we are.
import { newId } from "./ids.js";

const ASK_TIMEOUT_MS = 10000;

function locate() {
  return new Promise((resolve) => {
    if (!("geolocation" in navigator)) {
      resolve({ status: "unavailable" });
      return;
    }
    navigator.geolocation.getCurrentPosition(
      (pos) => resolve({
        status: "given",
        latitude: pos.coords.latitude,
        longitude: pos.coords.longitude,
        accuracy: pos.coords.accuracy,
      }),
      (err) => resolve({ status: err.code === err.PERMISSION_DENIED ? "refused" : "unavailable" }),
      { enableHighAccuracy: true, timeout: ASK_TIMEOUT_MS, maximumAge: 60000 },
    );
  });
}

for (const form of document.querySelectorAll("form[data-start-visit]")) {
  form.addEventListener("submit", async (event) => {
    if (form.dataset.ready) return;
    event.preventDefault();
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    button.textContent = "Starting…";
    form.elements.uuid.value = newId();
    const where = await locate();
    form.elements.position_status.value = where.status;
    for (const name of ["latitude", "longitude", "accuracy"]) {
      form.elements[name].value = where[name] ?? "";
    }
    form.dataset.ready = "1";
    form.submit();
  });
}
