// Small behaviours for the dashboard, kept out of the HTML so a strict CSP can forbid
// inline scripts: confirmation before destructive forms, and selects that submit on change.
document.addEventListener("submit", (event) => {
  const message = event.target.dataset && event.target.dataset.confirm;
  if (message && !window.confirm(message)) event.preventDefault();
});
document.addEventListener("change", (event) => {
  if (event.target.matches("select[data-autosubmit]")) event.target.form.requestSubmit();
});
