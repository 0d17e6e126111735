// format.js — a message's text as Telegram shows it, by its parse_mode: HTML limited to the
// tags Telegram accepts (everything else becomes plain text), MarkdownV2 and legacy Markdown's
// marks. Never assigns markup to innerHTML: nodes are built one by one, links only http(s)/tg.
"use strict";

const TG_TAGS = {
  b: "b", strong: "b", i: "i", em: "i", u: "u", ins: "u", s: "s", strike: "s", del: "s",
  code: "code", pre: "pre", blockquote: "blockquote", a: "a", "tg-spoiler": "span", span: "span",
};

function safeHref(href) {
  return /^(https?:\/\/|tg:\/\/)/i.test(href || "") ? href : null;
}

// HTML as Telegram reads it: parsed in an inert document, copied tag by tag.
function copyAllowed(src, dst) {
  for (const n of src.childNodes) {
    if (n.nodeType === Node.TEXT_NODE) {
      dst.append(n.data);
      continue;
    }
    if (n.nodeType !== Node.ELEMENT_NODE) continue;
    const tag = n.tagName.toLowerCase();
    const as = TG_TAGS[tag];
    if (!as || (tag === "span" && n.getAttribute("class") !== "tg-spoiler")) {
      copyAllowed(n, dst); // an unknown tag (or tg-emoji) keeps only its text
      continue;
    }
    const el = document.createElement(as);
    if (as === "span") el.className = "spoiler";
    if (tag === "a") {
      const href = safeHref(n.getAttribute("href"));
      if (href) {
        el.href = href;
        el.target = "_blank";
        el.rel = "noopener noreferrer";
      }
    }
    copyAllowed(n, el);
    dst.append(el);
  }
}

// MarkdownV2 (and legacy Markdown): the marks Telegram knows, backslash escapes removed.
const MD_MARKS = [["```", "pre"], ["||", "span"], ["__", "u"], ["*", "b"], ["_", "i"],
                  ["~", "s"], ["`", "code"]];

function markdown(text, v2, dst) {
  let i = 0;
  let plain = "";
  const flush = () => { if (plain) dst.append(plain); plain = ""; };
  while (i < text.length) {
    const c = text[i];
    if (v2 && c === "\\" && i + 1 < text.length) {
      plain += text[i + 1];
      i += 2;
      continue;
    }
    if (c === "[") {
      const m = /^\[([^\]]*)\]\(([^)]*)\)/.exec(text.slice(i));
      if (m) {
        flush();
        const a = document.createElement("a");
        const href = safeHref(m[2]);
        if (href) { a.href = href; a.target = "_blank"; a.rel = "noopener noreferrer"; }
        markdown(m[1], v2, a);
        dst.append(a);
        i += m[0].length;
        continue;
      }
    }
    const mark = MD_MARKS.find(([mk]) => (v2 || mk.length === 1 || mk === "```")
                                         && text.startsWith(mk, i));
    if (mark) {
      const [mk, tag] = mark;
      const end = text.indexOf(mk, i + mk.length);
      if (end > i) {
        flush();
        const el = document.createElement(tag);
        if (tag === "span") el.className = "spoiler";
        const inner = text.slice(i + mk.length, end);
        if (tag === "pre" || tag === "code") el.textContent = inner.replace(/^\w*\n/, "");
        else markdown(inner, v2, el);
        dst.append(el);
        i = end + mk.length;
        continue;
      }
    }
    plain += c;
    i++;
  }
  flush();
}

// Fills el with text formatted by parse_mode ("HTML", "MarkdownV2", "Markdown" or none).
function renderFormatted(el, text, parseMode) {
  el.textContent = "";
  const mode = (parseMode || "").toLowerCase();
  if (mode === "html") {
    const doc = new DOMParser().parseFromString("<body></body>", "text/html");
    doc.body.innerHTML = text; // an inert document of its own: nothing runs or loads
    copyAllowed(doc.body, el);
  } else if (mode === "markdownv2" || mode === "markdown") {
    markdown(text, mode === "markdownv2", el);
  } else {
    el.textContent = text;
  }
  for (const s of el.querySelectorAll(".spoiler")) {
    s.addEventListener("click", () => s.classList.add("shown"));
  }
}

window.renderFormatted = renderFormatted;
