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
     first break its title and subtitle into lines that fit (a one-line subtitle wider than
     the figure would be cut off), then, if it is still too wide, draw it again with its plot
     narrowed by the excess, so that its text keeps its size instead of the whole picture
     shrinking to unreadable type. What still does not fit scrolls sideways inside the
     figure. */
  var MIN_PLOT = 110;
  var PADDING = 20;  /* the chart's own padding (8 px a side) and a little air */
  var ruler = null;
  function textLines(text, font, width) {
    ruler = ruler || document.createElement("canvas").getContext("2d");
    ruler.font = font;
    var out = [];
    var line = "";
    String(text).split(/\s+/).forEach(function (word) {
      var next = line ? line + " " + word : word;
      if (line && ruler.measureText(next).width > width) {
        out.push(line);
        line = word;
      } else {
        line = next;
      }
    });
    if (line) { out.push(line); }
    return out.length > 1 ? out : String(text);
  }
  function wrappedTitle(spec, width) {
    var title = spec.title;
    if (!title || typeof title !== "object") { return spec; }
    var config = (spec.config && spec.config.title) || {};
    var family = (spec.config && spec.config.font) || "sans-serif";
    var out = Object.assign({}, title);
    if (typeof title.text === "string") {
      out.text = textLines(title.text, (config.fontWeight || "bold") + " " +
                           (config.fontSize || 13) + "px " + family, width);
    }
    if (typeof title.subtitle === "string") {
      out.subtitle = textLines(title.subtitle, (config.subtitleFontSize || 10) + "px " + family,
                               width);
    }
    return Object.assign({}, spec, { title: out });
  }
  function drawnWidth(figure) {
    var svg = figure.querySelector("svg");
    return svg ? parseFloat(svg.getAttribute("width")) : 0;
  }
  /* Narrow the plot by the excess until the chart fits (a few rounds: a chart whose labels
     wrap tighter on a narrow plot sheds more than its plot's width). */
  function narrowed(figure, spec, options, result, room, rounds) {
    var drawn = drawnWidth(figure);
    if (!rounds || drawn <= room || typeof spec.width !== "number") { return null; }
    var narrow = Math.max(MIN_PLOT, Math.floor(spec.width - (drawn - room)));
    if (narrow >= spec.width) { return null; }
    result.finalize();
    var next = Object.assign({}, spec, { width: narrow });
    return window.vegaEmbed(figure, next, options).then(function (again) {
      return narrowed(figure, next, options, again, room, rounds - 1);
    });
  }
  function embed(figure, spec, name) {
    var options = { actions: false, renderer: "svg" };
    var room = 0;
    var fixed = spec.usermeta && spec.usermeta.narrow === false;
    return window.vegaEmbed(figure, spec, options).then(function (result) {
      room = figure.clientWidth;
      var drawn = drawnWidth(figure);
      if (fixed || !room || !drawn || drawn <= room) { return null; }
      result.finalize();
      figure.personasFitted = room;
      spec = wrappedTitle(spec, room - PADDING);
      return window.vegaEmbed(figure, spec, options);
    }).then(function (result) {
      return result && narrowed(figure, spec, options, result, room, 3);
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
