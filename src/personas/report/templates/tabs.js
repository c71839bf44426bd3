/* personas: tabs for `.panel-tabset` blocks (pandoc engine). Without JavaScript every panel
   stays visible under its own heading; with it, panels become WAI-ARIA tabs. */
(function () {
  "use strict";
  function select(tabs, index, focus) {
    tabs.forEach(function (tab, i) {
      var on = i === index;
      var panel = document.getElementById(tab.getAttribute("aria-controls"));
      tab.setAttribute("aria-selected", on ? "true" : "false");
      tab.tabIndex = on ? 0 : -1;
      if (panel) { panel.hidden = !on; }
      if (on && focus) { tab.focus(); }
    });
  }
  function setup(tabset) {
    var tabs = Array.prototype.slice.call(tabset.querySelectorAll(":scope > .tab-list [role=tab]"));
    if (!tabs.length) { return; }
    tabs.forEach(function (tab, i) {
      tab.addEventListener("click", function () { select(tabs, i, false); });
      tab.addEventListener("keydown", function (event) {
        var next = { ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: tabs.length - 1 }[event.key];
        if (next === undefined) { return; }
        event.preventDefault();
        select(tabs, (next + tabs.length) % tabs.length, true);
      });
    });
    select(tabs, 0, false);
    tabset.classList.add("tabs-ready");
  }
  function init() {
    document.querySelectorAll(".panel-tabset").forEach(setup);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
