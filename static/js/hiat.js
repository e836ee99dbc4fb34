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
