--[[
personas.lua: the Quarto features a personas report uses, for the plain-pandoc engine.

Quarto is not always installed, so `personas.report.render` can render the same index.qmd
with the pandoc binary from the pypandoc-binary wheel. This filter teaches pandoc the few
Quarto constructs the report relies on, for HTML and for typst (PDF):

  * conditional content: .content-visible / .content-hidden with when-format / unless-format;
  * callouts: .callout-note / -tip / -warning / -important / -caution (title from a leading
    heading or a title="..." attribute, shown as plain text);
  * tabsets: .panel-tabset -> accessible tabs in HTML, plain sections in typst;
  * layout divs for typst: .verdict, .persona-cards / .persona-card, .small, and figures
    (SVG charts with alt text), mapped to functions defined in report.typ.

Text is never pasted into raw output unescaped: titles and captions are written by pandoc's
own writers, typst string literals go through typst_string(), and the two typst shorthands
pandoc's writer leaves as they are ("..." and "-?") are escaped (typst_literal).
]]

local is_html = FORMAT:match("html") ~= nil
local is_typst = FORMAT == "typst"

-- Quarto's format aliases (https://quarto.org/docs/authoring/conditional.html#format-matching),
-- for the formats pandoc can write. As in Quarto, "pdf" means LaTeX: it does not match typst.
local FORMAT_ALIASES = {
  html = { html = true, html4 = true, html5 = true, epub = true, epub2 = true, epub3 = true, revealjs = true },
  ["html:js"] = { html = true, html4 = true, html5 = true, revealjs = true },
  pdf = { latex = true, beamer = true },
  latex = { latex = true, beamer = true },
  typst = { typst = true },
}

local CALLOUT_TITLES = {
  note = "Note", tip = "Tip", warning = "Warning", important = "Important", caution = "Caution",
}

local function has_class(el, name)
  return el.classes ~= nil and el.classes:includes(name)
end

local function format_matches(spec)
  for name in spec:gmatch("[^,%s]+") do
    if name == FORMAT or (FORMAT_ALIASES[name] and FORMAT_ALIASES[name][FORMAT]) then
      return true
    end
  end
  return false
end

-- true: keep, false: drop, nil: not conditional content.
local function visibility(el)
  local visible = has_class(el, "content-visible")
  if not visible and not has_class(el, "content-hidden") then
    return nil
  end
  local when, unless = el.attributes["when-format"], el.attributes["unless-format"]
  local cond = (when == nil or format_matches(when)) and (unless == nil or not format_matches(unless))
  if visible then
    return cond
  end
  return not cond
end

local function typst_string(text)
  local escaped = text:gsub("\\", "\\\\"):gsub('"', '\\"'):gsub("\n", "\\n")
  return '"' .. escaped .. '"'
end

local function typst_inlines(inlines)
  local out = pandoc.write(pandoc.Pandoc({ pandoc.Plain(inlines) }), "typst")
  return (out:gsub("%s+$", ""))
end

local function raw(text)
  return pandoc.RawBlock(FORMAT, text)
end

local function concat(...)
  local out = pandoc.List()
  for _, part in ipairs({ ... }) do
    if part.t ~= nil then
      out:insert(part)
    else
      out:extend(part)
    end
  end
  return out
end

-- Pass 0 (typst): literal text -------------------------------------------------------------

-- pandoc's typst writer escapes typst markup in text, but not two of typst's shorthands:
-- "..." (printed as an ellipsis) and "-?" (a soft hyphen, printed as nothing). A Str holding
-- one is written as raw typst with every ASCII punctuation character escaped, so that the
-- PDF shows what the user typed.
local typst_literal = {
  Str = function(el)
    if not (el.text:find("...", 1, true) or el.text:find("-?", 1, true)) then return nil end
    return pandoc.RawInline("typst", (el.text:gsub("%p", "\\%0")))
  end,
}

-- Pass 1: conditional content ------------------------------------------------------------

local conditional = {
  Div = function(el)
    local keep = visibility(el)
    if keep == nil then return nil end
    return keep and el.content or {}
  end,
  Span = function(el)
    local keep = visibility(el)
    if keep == nil then return nil end
    return keep and el.content or {}
  end,
  CodeBlock = function(el)
    local keep = visibility(el)
    if keep == nil then return nil end
    return keep and pandoc.CodeBlock(el.text, { id = el.identifier }) or {}
  end,
}

-- Pass 2: callouts -------------------------------------------------------------------------

local function callout_kind(el)
  for _, class in ipairs(el.classes) do
    local kind = class:match("^callout%-(%a+)$")
    if kind and CALLOUT_TITLES[kind] then return kind end
  end
  if has_class(el, "callout") then return "note" end
  return nil
end

local function callout_parts(el, kind)
  local body = pandoc.List(el.content)
  local title
  if el.attributes.title ~= nil then
    title = pandoc.Inlines({ pandoc.Str(el.attributes.title) })
  elseif #body > 0 and body[1].t == "Header" then
    title = body[1].content
    body:remove(1)
  else
    title = pandoc.Inlines({ pandoc.Str(CALLOUT_TITLES[kind]) })
  end
  return title, body
end

local callouts = {
  Div = function(el)
    local kind = callout_kind(el)
    if kind == nil then return nil end
    local title, body = callout_parts(el, kind)
    if is_typst then
      return concat(
        raw('#personas-callout(kind: "' .. kind .. '", title: [' .. typst_inlines(title) .. "])["),
        body,
        raw("]")
      )
    end
    local header = pandoc.Div({ pandoc.Plain(title) }, { class = "callout-header" })
    local content = pandoc.Div(body, { class = "callout-body" })
    return pandoc.Div({ header, content }, pandoc.Attr("", { "callout", "callout-" .. kind }, { { "role", "note" } }))
  end,
}

-- Pass 3: tabsets --------------------------------------------------------------------------

local tabset_count = 0

local function split_tabs(blocks)
  local level
  for _, block in ipairs(blocks) do
    if block.t == "Header" then level = block.level; break end
  end
  local before, tabs = pandoc.List(), {}
  for _, block in ipairs(blocks) do
    if level ~= nil and block.t == "Header" and block.level == level then
      table.insert(tabs, { header = block, blocks = pandoc.List() })
    elseif #tabs == 0 then
      before:insert(block)
    else
      tabs[#tabs].blocks:insert(block)
    end
  end
  return before, tabs
end

local function html_tabset(el)
  local before, tabs = split_tabs(el.content)
  if #tabs == 0 then return el.content end
  tabset_count = tabset_count + 1
  local prefix = "tabset-" .. tabset_count
  local buttons, panels = pandoc.List(), pandoc.List()
  for i, tab in ipairs(tabs) do
    local tab_id, panel_id = prefix .. "-tab-" .. i, prefix .. "-panel-" .. i
    local selected = i == 1 and "true" or "false"
    buttons:insert(pandoc.RawInline("html", '<button type="button" role="tab" id="' .. tab_id
      .. '" aria-controls="' .. panel_id .. '" aria-selected="' .. selected .. '">'))
    buttons:extend(tab.header.content)
    buttons:insert(pandoc.RawInline("html", "</button>"))
    local heading = tab.header:clone()
    heading.classes:extend({ "tab-heading", "unlisted", "unnumbered" })
    -- Attributes as an ordered list of pairs, so the output is byte-for-byte reproducible.
    local attributes = { { "role", "tabpanel" }, { "aria-labelledby", tab_id } }
    panels:insert(pandoc.Div(concat(heading, tab.blocks), pandoc.Attr(panel_id, { "tab-panel" }, attributes)))
  end
  local list = pandoc.Div({ pandoc.Plain(buttons) }, pandoc.Attr("", { "tab-list" }, { { "role", "tablist" } }))
  return concat(before, pandoc.Div(concat(list, panels), { class = "panel-tabset" }))
end

local tabsets = {
  Div = function(el)
    if not has_class(el, "panel-tabset") then return nil end
    if is_html then return html_tabset(el) end
    return el.content
  end,
}

-- Pass 4 (typst): layout ------------------------------------------------------------------

local function card_cells(el)
  local out = pandoc.List({ raw("#personas-cards(") })
  for _, block in ipairs(el.content) do
    local content = (block.t == "Div" and has_class(block, "persona-card")) and block.content or { block }
    out:extend(concat(raw("personas-card(half: true)["), content, raw("],")))
  end
  out:insert(raw(")"))
  return out
end

local typst_cards = {
  Div = function(el)
    if has_class(el, "persona-cards") then return card_cells(el) end
    return nil
  end,
}

local BLOCK_WRAPPERS = {
  { "verdict", "personas-verdict" }, { "persona-card", "personas-card" }, { "small", "personas-small" },
}

local function figure_image(fig)
  if #fig.content ~= 1 or fig.content[1].t ~= "Plain" then return nil end
  local inlines = fig.content[1].content
  if #inlines ~= 1 or inlines[1].t ~= "Image" then return nil end
  return inlines[1]
end

local typst_layout = {
  Div = function(el)
    for _, pair in ipairs(BLOCK_WRAPPERS) do
      if has_class(el, pair[1]) then return concat(raw("#" .. pair[2] .. "["), el.content, raw("]")) end
    end
    return nil
  end,
  Span = function(el)
    if not has_class(el, "small") then return nil end
    return concat(pandoc.RawInline("typst", "#personas-small-text["), el.content, pandoc.RawInline("typst", "]"))
  end,
  Figure = function(fig)
    local img = figure_image(fig)
    if img == nil then return nil end
    local alt = img.attributes["fig-alt"] or pandoc.utils.stringify(img.caption)
    local caption = pandoc.utils.blocks_to_inlines(fig.caption.long)
    return raw("#personas-figure(" .. typst_string(img.src) .. ", alt: " .. typst_string(alt)
      .. ", caption: [" .. typst_inlines(caption) .. "])")
  end,
}

local filters = { conditional, callouts, tabsets }
if is_typst then
  table.insert(filters, 1, typst_literal)
  table.insert(filters, typst_cards)
  table.insert(filters, typst_layout)
end
return filters
