// The home area form: fill latitude and longitude from the phone's position, once asked.
// Without a script (or a position) the fields are typed by hand.
const button = document.querySelector("[data-use-location]");
const note = document.querySelector("[data-location-note]");
const form = document.querySelector("[data-home-area]");

if (button && form && "geolocation" in navigator) {
  button.hidden = false;
  button.addEventListener("click", () => {
    note.textContent = "Asking the phone where it is…";
    navigator.geolocation.getCurrentPosition(
      (pos) => {
        form.elements.latitude.value = pos.coords.latitude.toFixed(4);
        form.elements.longitude.value = pos.coords.longitude.toFixed(4);
        note.textContent = "Filled in from where you are now. Save to keep it.";
      },
      () => { note.textContent = "The phone did not give its position: type it, or try again."; },
      { enableHighAccuracy: false, timeout: 10000, maximumAge: 600000 },
    );
  });
}
