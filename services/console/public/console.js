// The console's only script (the Content-Security-Policy allows no other, and no inline code).
// It refreshes the overview every few seconds and reads a picked .eml file into the explain form.
'use strict';

function refreshLive() {
  const live = document.getElementById('live');
  if (!live) return;
  const every = Number(live.dataset.every) || 3000;
  const problem = document.getElementById('live-problem');
  const since = () => new Date(Number(live.dataset.updated) || Date.now()).toLocaleTimeString();
  // As text, never markup: the answer is the server's plain-text error.
  const stale = (why) => {
    if (!problem) return;
    problem.hidden = why === '';
    problem.textContent = why === '' ? '' : `Not updated since ${since()}: ${why}`;
  };
  const tick = async () => {
    try {
      const response = await fetch(live.dataset.src, { credentials: 'same-origin', headers: { accept: 'text/html' } });
      if (response.ok) {
        // The server escaped every field of this fragment; it is the same markup the page was rendered with.
        live.innerHTML = await response.text();
        live.dataset.updated = String(Date.now());
        stale('');
      } else {
        // Redis gone (503), the session ended (401): say so, or the numbers below look current.
        stale(`${(await response.text()).trim()} (${response.status})`);
      }
    } catch {
      stale('the console does not answer');
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
