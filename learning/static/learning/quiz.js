// A quiz with a time limit: show the minutes left and hand the sheet in when time is up.
// The server decides what counts (a late sheet scores nothing); this only spares the member
// from losing their answers to the clock.
(function () {
  "use strict";
  const box = document.getElementById("time-left");
  const form = document.getElementById("quiz-form");
  if (!box || !form) return;
  let left = parseInt(box.dataset.remaining, 10);
  if (isNaN(left)) return;
  const label = document.createElement("strong");
  label.className = "ms-2";
  box.appendChild(label);
  const tick = function () {
    const m = Math.floor(left / 60);
    const s = String(left % 60).padStart(2, "0");
    label.textContent = m + ":" + s;
    if (left <= 0) {
      form.submit();
      return;
    }
    left -= 1;
    window.setTimeout(tick, 1000);
  };
  tick();
})();
