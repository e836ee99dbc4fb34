// Progressive enhancement only: every page works without this file.
import { initAll } from "./govuk-frontend.min.js";

initAll();

// "Copy the paragraph" buttons: hidden without JavaScript, where the text is selected by hand.
for (const button of document.querySelectorAll("[data-hiat-copy]")) {
  const source = document.getElementById(button.dataset.hiatCopy);
  const status = document.getElementById(button.dataset.hiatCopyStatus);
  if (!source || !status || !navigator.clipboard) continue;
  button.hidden = false;
  button.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(source.innerText.trim());
      status.textContent = "Paragraph copied. Paste it into your report.";
    } catch {
      const range = document.createRange();
      range.selectNodeContents(source);
      window.getSelection().removeAllRanges();
      window.getSelection().addRange(range);
      status.textContent = "The paragraph is selected. Press Control and C to copy it.";
    }
  });
}

// After "Add another" or "Remove", the page comes back with focus on the row (autofocus and
// the fragment do that without JavaScript). A live region's text on arrival is not always
// read out, so set it again once the page has settled.
const rowStatus = document.querySelector("[data-hiat-status]");
if (rowStatus && rowStatus.textContent.trim()) {
  const message = rowStatus.textContent.trim();
  rowStatus.textContent = "";
  setTimeout(() => {
    rowStatus.textContent = message;
  }, 250);
}

// Leaving a question page with answers not saved asks first ("Leave site?"), but saving it
// does not. A page shown again after a POST (a row added, an error) holds unsaved answers.
for (const form of document.querySelectorAll("form[data-hiat-form]")) {
  const snapshot = () => new URLSearchParams(new FormData(form)).toString();
  const loaded = snapshot();
  let submitting = false;
  form.addEventListener("submit", () => {
    submitting = true;
  });
  window.addEventListener("beforeunload", (event) => {
    if (submitting) return;
    if (!form.hasAttribute("data-hiat-unsaved") && snapshot() === loaded) return;
    event.preventDefault();
    event.returnValue = "";
  });
}
