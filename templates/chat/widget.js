/* KAIU chat widget: <script src=".../widget/<bot>.js" async></script> adds a launcher and
   the chat frame. window.KAIU.open("question") opens it, optionally asking a question. */
(function () {
  "use strict";
  var options = {{ options|safe }};
  if (window.KAIU) return; // the script is on the page twice

  // Off: KAIU.open() and friends do nothing, so a site's own button raises no error.
  function off(reason) {
    if (window.console) console.warn("KAIU widget: " + reason);
    var nothing = function () {};
    window.KAIU = { open: nothing, close: nothing, toggle: nothing };
  }
  if (!options.enabled) return off("no allowed domains are set for this bot.");
  // The frame refuses to load on other sites (frame-ancestors): show no launcher there
  // rather than one that opens an error. Same rule as the server's domain_matches().
  var host = location.host.toLowerCase();
  var allowedHere = options.domains.some(function (domain) {
    return domain.indexOf("*.") === 0 ? host.slice(-(domain.length - 1)) === domain.slice(1) : host === domain;
  });
  if (!allowedHere) return off(host + " is not among this bot's allowed domains (write the port too if the site has one).");
  var frameOrigin = new URL(options.frame).origin;
  var side = options.position === "left" ? "left" : "right";
  var open = false, loaded = false, pending = null, frame, panel;

  // Icons drawn as SVG rather than an emoji: a machine without an emoji font shows a box.
  var CHAT_ICON = "M21 12a8 8 0 0 1-11.6 7.1L4 20l1-4.6A8 8 0 1 1 21 12z", CLOSE_ICON = "M6 6l12 12M18 6 6 18";

  function setIcon(path) {
    var ns = "http://www.w3.org/2000/svg";
    var svg = document.createElementNS(ns, "svg"), line = document.createElementNS(ns, "path");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("width", "26");
    svg.setAttribute("height", "26");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    svg.style.cssText = "display:block;margin:auto";
    line.setAttribute("d", path);
    line.setAttribute("fill", "none");
    line.setAttribute("stroke", "currentColor");
    line.setAttribute("stroke-width", "2");
    line.setAttribute("stroke-linecap", "round");
    line.setAttribute("stroke-linejoin", "round");
    svg.appendChild(line);
    launcher.textContent = "";
    launcher.appendChild(svg);
  }

  var launcher = document.createElement("button");
  launcher.type = "button";
  launcher.setAttribute("aria-label", options.title);
  launcher.setAttribute("aria-expanded", "false");
  launcher.style.cssText = "position:fixed;bottom:20px;" + side + ":20px;width:56px;height:56px;border-radius:50%;" +
    "border:0;padding:0;background:" + options.color + ";color:" + options.ink + ";cursor:pointer;z-index:2147483000;" +
    "box-shadow:0 4px 14px rgba(0,0,0,.25)";
  setIcon(CHAT_ICON);

  function build() {
    panel = document.createElement("div");
    panel.style.cssText = "position:fixed;bottom:88px;" + side + ":20px;width:min(380px,calc(100vw - 40px));" +
      "height:min(600px,calc(100vh - 120px));border-radius:12px;overflow:hidden;z-index:2147483000;" +
      "box-shadow:0 8px 30px rgba(0,0,0,.25);background:#fff;display:none";
    frame = document.createElement("iframe");
    frame.src = options.frame;
    frame.title = options.title;
    frame.style.cssText = "width:100%;height:100%;border:0";
    frame.addEventListener("load", function () {
      loaded = true;
      if (pending) { send(pending); pending = null; }
    });
    panel.appendChild(frame);
    document.body.appendChild(panel);
  }

  function send(text) { frame.contentWindow.postMessage({ type: "kaiu:ask", text: text }, frameOrigin); }

  function show(message) {
    if (!panel) build();
    panel.style.display = "block";
    open = true;
    launcher.setAttribute("aria-expanded", "true");
    setIcon(CLOSE_ICON);
    if (typeof message === "string" && message) {
      if (loaded) send(message); else pending = message;
    }
  }

  function hide() {
    if (panel) panel.style.display = "none";
    open = false;
    launcher.setAttribute("aria-expanded", "false");
    setIcon(CHAT_ICON);
  }

  launcher.addEventListener("click", function () { open ? hide() : show(); });

  function start() {
    document.body.appendChild(launcher);
    if (options.autoOpen) show();
  }
  if (document.body) start(); else document.addEventListener("DOMContentLoaded", start);

  window.KAIU = { open: show, close: hide, toggle: function () { open ? hide() : show(); } };
})();
