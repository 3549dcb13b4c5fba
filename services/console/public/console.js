// The console's only script (the Content-Security-Policy allows no other, and no inline code).
// It refreshes the overview every few seconds and reads a picked .eml file into the explain form.
'use strict';

function refreshLive() {
  const live = document.getElementById('live');
  if (!live) return;
  const every = Number(live.dataset.every) || 3000;
  const tick = async () => {
    try {
      const response = await fetch(live.dataset.src, { credentials: 'same-origin', headers: { accept: 'text/html' } });
      // The server escaped every field of this fragment; it is the same markup the page was rendered with.
      if (response.ok) live.innerHTML = await response.text();
      live.dataset.updated = String(Date.now());
    } catch {
      // The next tick tries again.
    }
    setTimeout(tick, every);
  };
  setTimeout(tick, every);
}

function readPickedFile() {
  const picker = document.getElementById('eml-file');
  const area = document.getElementById('eml');
  if (!picker || !area) return;
  picker.addEventListener('change', () => {
    const file = picker.files && picker.files[0];
    if (!file) return;
    const reader = new FileReader();
    reader.onload = () => {
      area.value = String(reader.result);
    };
    reader.readAsText(file);
  });
}

document.addEventListener('DOMContentLoaded', () => {
  refreshLive();
  readPickedFile();
});
