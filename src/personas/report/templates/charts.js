/* personas: draw every chart of the report with vega-embed (inlined in the page, offline).
   A chart that cannot be drawn shows its alt text instead and logs the reason. */
(function () {
  "use strict";
  function fallback(figure, name, error) {
    figure.textContent = figure.getAttribute("aria-label") || "This chart could not be drawn.";
    figure.classList.add("personas-chart-failed");
    console.error("personas: chart '" + name + "' could not be drawn:", error);
  }
  function draw(node) {
    var name = node.getAttribute("data-target");
    var figure = document.getElementById(name);
    if (!figure) {
      console.error("personas: no figure with id '" + name + "' for a chart spec");
      return;
    }
    if (typeof window.vegaEmbed !== "function") {
      fallback(figure, name, new Error("vegaEmbed is not loaded"));
      return;
    }
    var spec;
    try {
      spec = JSON.parse(node.textContent);
    } catch (error) {
      fallback(figure, name, error);
      return;
    }
    figure.personasSpec = spec;
    embed(figure, spec, name);
  }
  /* Draw a chart at its own width when it fits its figure; when it does not (a phone),
     draw it again with its plot narrowed by the excess, so that its text keeps its size
     instead of the whole picture shrinking to unreadable type. What still does not fit
     scrolls sideways inside the figure. */
  var MIN_PLOT = 140;
  function embed(figure, spec, name) {
    var options = { actions: false, renderer: "svg" };
    return window.vegaEmbed(figure, spec, options).then(function (result) {
      var svg = figure.querySelector("svg");
      var room = figure.clientWidth;
      var drawn = svg ? parseFloat(svg.getAttribute("width")) : 0;
      var fixed = spec.usermeta && spec.usermeta.narrow === false;
      if (fixed || !room || !drawn || typeof spec.width !== "number" || drawn <= room) {
        return;
      }
      var narrow = Math.max(MIN_PLOT, Math.floor(spec.width - (drawn - room)));
      if (narrow >= spec.width) { return; }
      result.finalize();
      figure.personasFitted = room;
      return window.vegaEmbed(figure, Object.assign({}, spec, { width: narrow }), options);
    }).catch(function (error) {
      fallback(figure, name, error);
    });
  }
  /* A figure that was hidden (a tab) or resized: fit its chart to the new width. */
  function refit(figure) {
    var spec = figure.personasSpec;
    if (!spec || !figure.clientWidth || figure.personasFitted === figure.clientWidth) { return; }
    figure.personasFitted = figure.clientWidth;
    embed(figure, spec, figure.id);
  }
  /* Charts sized to their container ("width": "container") measure it on window resize.
     A chart drawn inside a hidden tab measures 0, so whenever a figure's width changes
     (a tab is shown, the page is printed) send one resize event to let Vega re-measure. */
  function watchWidths() {
    if (!("ResizeObserver" in window)) { return; }
    var widths = new WeakMap();
    var queued = false;
    var observer = new ResizeObserver(function (entries) {
      var changed = false;
      entries.forEach(function (entry) {
        var width = Math.round(entry.contentRect.width);
        if (widths.has(entry.target) && widths.get(entry.target) !== width && width > 0) {
          refit(entry.target);
        }
        changed = changed || (widths.has(entry.target) && widths.get(entry.target) !== width);
        widths.set(entry.target, width);
      });
      if (changed && !queued) {
        queued = true;
        window.requestAnimationFrame(function () {
          queued = false;
          window.dispatchEvent(new Event("resize"));
        });
      }
    });
    document.querySelectorAll(".personas-chart").forEach(function (figure) {
      observer.observe(figure);
    });
  }
  function init() {
    document.querySelectorAll("script.personas-chart-spec").forEach(draw);
    watchWidths();
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
