// A new business's language, currency and time zone, pre-selected from the browser: the
// first of its languages that bots speak, the currency of its locale's region, its time
// zone. Only fields marked data-browser-default (kaiu.accounts.forms.BusinessLocaleForm);
// a value the list does not offer leaves the server's default (English, USD, UTC).
(() => {
  const field = (name) => document.querySelector(`select[data-browser-default="${name}"]`);
  const choose = (select, value) => {
    const offered = select && value && [...select.options].some((option) => option.value === value);
    if (offered) select.value = value;
    return Boolean(offered);
  };
  const region = (tag) => {
    try {
      return new Intl.Locale(tag).maximize().region; // "sv" → SE, "en" → US, "es-CO" → CO
    } catch {
      return undefined;
    }
  };

  const locales = (navigator.languages?.length ? navigator.languages : [navigator.language]).filter(Boolean);
  const language = field("language");
  locales.some((tag) => choose(language, tag.split("-")[0].toLowerCase()));
  const currency = field("currency");
  if (currency && locales.length) {
    choose(currency, JSON.parse(currency.dataset.regionCurrencies || "{}")[region(locales[0])]);
  }
  choose(field("time_zone"), Intl.DateTimeFormat().resolvedOptions().timeZone);
})();
