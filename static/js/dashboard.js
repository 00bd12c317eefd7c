// Small behaviours for the dashboard, kept out of the HTML so a strict CSP can forbid
// inline scripts: confirmation before destructive forms, and selects that submit on change.
// A form's data-confirm asks before any of its buttons; a button's, before that one only.
document.addEventListener("submit", (event) => {
  const message = (event.submitter && event.submitter.dataset.confirm) || (event.target.dataset && event.target.dataset.confirm);
  if (message && !window.confirm(message)) event.preventDefault();
});
document.addEventListener("click", (event) => {
  if (event.target.closest("[data-print]")) window.print();
});
document.addEventListener("change", (event) => {
  if (event.target.matches("select[data-autosubmit]")) event.target.form.requestSubmit();
});

// The phone's Menu button opens and folds the navigation (a link to #main-nav without JS).
document.querySelectorAll("[data-menu-toggle]").forEach((toggle) => {
  const nav = document.getElementById(toggle.getAttribute("aria-controls"));
  toggle.addEventListener("click", (event) => {
    event.preventDefault();
    const open = nav.classList.toggle("is-open");
    toggle.setAttribute("aria-expanded", String(open));
  });
});

// Drag and drop onto an upload form: the dropped files go into its file input, then submit.
document.querySelectorAll("[data-dropzone]").forEach((zone) => {
  const input = zone.querySelector("input[type=file]");
  ["dragenter", "dragover"].forEach((name) => zone.addEventListener(name, (event) => {
    event.preventDefault();
    zone.classList.add("is-dragover");
  }));
  ["dragleave", "drop"].forEach((name) => zone.addEventListener(name, () => zone.classList.remove("is-dragover")));
  zone.addEventListener("drop", (event) => {
    event.preventDefault();
    if (!event.dataTransfer.files.length) return;
    input.files = event.dataTransfer.files;
    zone.requestSubmit();
  });
});

// Widget settings: the preview follows the form as it is edited.
(function () {
  // The colours of text on and beside a brand colour, as bots.models (ink_on, text_on_white)
  // picks them for visitors.
  function luminance(color) {
    const channels = [1, 3, 5].map(function (i) {
      const c = parseInt(color.slice(i, i + 2), 16) / 255;
      return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
    });
    return 0.2126 * channels[0] + 0.7152 * channels[1] + 0.0722 * channels[2];
  }
  const DARK_INK = "#1d2420";
  function inkOn(color) {
    const l = luminance(color);
    return 1.05 / (l + 0.05) >= (l + 0.05) / (luminance(DARK_INK) + 0.05) ? "#ffffff" : DARK_INK;
  }
  function textOnWhite(color) { return 1.05 / (luminance(color) + 0.05) >= 4.5 ? color : DARK_INK; }

  const form = document.querySelector("[data-widget-form]");
  const preview = document.querySelector("[data-widget-preview]");
  if (!form || !preview) return;
  function update() {
    const data = new FormData(form);
    const color = data.get("primary_color") || "#2f7d5b";
    const ink = inkOn(color);
    preview.style.setProperty("--brand", color);
    preview.style.setProperty("--brand-ink", ink);
    preview.style.setProperty("--brand-text", textOnWhite(color));
    preview.querySelector('[data-preview="header_text"]').textContent = data.get("header_text") || "";
    // As visitors see it: no welcome bubble at all when the message is empty.
    const welcome = preview.querySelector('[data-preview="welcome_message"]');
    welcome.textContent = (data.get("welcome_message") || "").trim();
    welcome.hidden = !welcome.textContent;
    const starters = preview.querySelector('[data-preview="starter_questions"]');
    starters.textContent = "";
    (data.get("starter_questions") || "").split("\n").map(function (q) { return q.trim(); }).filter(Boolean)
      .slice(0, 6).forEach(function (q) {
        const chip = document.createElement("span");
        chip.className = "starter";
        chip.textContent = q;
        starters.appendChild(chip);
      });
    const launcher = preview.querySelector('[data-preview="position"]');
    launcher.classList.toggle("preview-launcher-left", data.get("position") === "left");
    preview.querySelector('[data-preview="auto_open"]').textContent = data.get("auto_open")
      ? "Opens by itself when the page loads" : "Opens when the visitor clicks";
  }
  form.addEventListener("input", update);
  form.addEventListener("change", update);
  update();
})();

// A "Copy" button beside each snippet or secret marked data-copy.
(function () {
  document.querySelectorAll("[data-copy]").forEach(function (source) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "button button-small copy-button";
    button.textContent = "Copy";
    button.addEventListener("click", function () {
      const done = function (label) { button.textContent = label; setTimeout(function () { button.textContent = "Copy"; }, 2000); };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(source.textContent.trim()).then(function () { done("Copied"); },
          function () { done("Press Ctrl+C"); });
      } else {  // plain http off localhost: no clipboard API, so select it for the person to copy
        window.getSelection().selectAllChildren(source);
        done("Press Ctrl+C");
      }
    });
    source.insertAdjacentElement("afterend", button);
  });
})();
