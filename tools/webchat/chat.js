// chat.js — the web chat: plays Telegram's app for several users against the Bot API stand-in
// (tests/support/botapi_webchat.py). What a user does goes out as an update through the
// stand-in; what the bot does comes back as the stand-in's events (every Bot API call and
// every update, in order), which are drawn into each user's chat and listed in the log panel.
"use strict";

const $ = (sel) => document.querySelector(sel);
const ACTIONS = {
  typing: "typing…", upload_photo: "sending a photo…", upload_document: "sending a file…",
  upload_video: "sending a video…", record_video: "recording a video…",
  find_location: "choosing a location…", choose_sticker: "choosing a sticker…",
};
const CHAT_METHODS = new Set(["sendMessage", "editMessageText", "editMessageCaption",
  "editMessageReplyMarkup", "deleteMessage", "sendPhoto", "sendMediaGroup", "sendDocument",
  "sendInvoice", "sendChatAction"]);

const users = new Map();      // id -> {user, el (its chat), msgs: Map(message_id -> element)}
const pressedBy = new Map();  // callback_query id -> user id
let current = null;           // the user whose chat is shown
let seq = 0;                  // the last event seen
let logCount = 0;
let statusTimer = null;

// ---- users ---------------------------------------------------------------------------
function addUser(user) {
  if (users.has(user.id)) return users.get(user.id);
  const el = document.createElement("div");
  el.className = "chat";
  el.dataset.uid = user.id;
  el.hidden = true;
  $("#chats").append(el);
  const li = document.createElement("li");
  li.dataset.uid = user.id;
  li.textContent = `${user.first_name} · ${user.language_code || "—"}`;
  li.title = `Telegram user ${user.id}`;
  li.addEventListener("click", () => switchTo(user.id));
  $("#user-list").append(li);
  const entry = { user, el, li, msgs: new Map(), status: "" };
  users.set(user.id, entry);
  if (current === null) switchTo(user.id);
  return entry;
}

function switchTo(id) {
  current = id;
  for (const [uid, u] of users) {
    u.el.hidden = uid !== id;
    u.li.classList.toggle("active", uid === id);
  }
  const u = users.get(id);
  $("#who").textContent = `you are ${u.user.first_name} (${u.user.language_code || "no language"})`;
  showStatus();
  scrollDown(u.el);
  $("#text").focus();
}

function nextUserId() {
  let id = 1000101;
  while (users.has(id)) id++;
  return id;
}

// ---- the page's API --------------------------------------------------------------------
async function call(name, body) {
  const r = await fetch(`/_chat/${name}`, {
    method: "POST", headers: { "Content-Type": "application/json" },
    body: JSON.stringify(Object.assign({ user: users.get(current).user }, body)),
  });
  const out = await r.json();
  if (!out.ok) toast(out.description || out.answer?.error_message || "not delivered", true);
  return out;
}

async function sendText(text) {
  if (!text.trim()) return;
  await call("send", { text });
}

function readAsBase64(file) {
  return new Promise((resolve, reject) => {
    const rd = new FileReader();
    rd.onload = () => resolve(String(rd.result).replace(/^data:[^,]*,/, ""));
    rd.onerror = () => reject(rd.error);
    rd.readAsDataURL(file);
  });
}

// Photos (several: albums of up to 10, as Telegram splits them) or files.
async function sendFiles(fileList, as) {
  const files = Array.from(fileList);
  for (let i = 0; i < files.length; i += 10) {
    const part = await Promise.all(files.slice(i, i + 10).map(async (f) => (
      { name: f.name, data_b64: await readAsBase64(f) })));
    await call("upload", { as, files: part });
  }
}

// ---- drawing messages ----------------------------------------------------------------
function scrollDown(el) {
  const box = $("#chats");
  if (!el.hidden) box.scrollTop = box.scrollHeight;
}

function timeOf(epoch) {
  const d = epoch ? new Date(epoch * 1000) : new Date();
  return d.toTimeString().slice(0, 5);
}

function bubble(u, from, mid, date) {
  const el = document.createElement("div");
  el.className = `msg ${from}`;
  el.dataset.from = from;
  if (mid !== undefined) {
    el.dataset.mid = mid;
    u.msgs.set(mid, el);
  }
  el.dataset.edits = "0";
  const body = document.createElement("div");
  body.className = "body";
  const meta = document.createElement("span");
  meta.className = "meta";
  meta.textContent = timeOf(date);
  body.append(meta);
  el.append(body);
  u.el.append(el);
  scrollDown(u.el);
  return el;
}

function setText(el, text, parseMode, cls = "text") {
  const body = el.querySelector(".body");
  let t = body.querySelector(`:scope > .${cls}`);
  if (text === undefined || text === null || text === "") {
    if (t) t.remove();
    return;
  }
  if (!t) {
    t = document.createElement("div");
    t.className = cls;
    body.insertBefore(t, body.querySelector(":scope > .meta"));
  }
  window.renderFormatted(t, text, parseMode);
}

function fileUrl(fileId) {
  return `/_chat/file/${encodeURIComponent(fileId)}`;
}

function addPhoto(grid, photoSizes, mid) {
  const img = document.createElement("img");
  const big = photoSizes[photoSizes.length - 1];
  img.src = fileUrl(big.file_id);
  img.alt = "photo";
  img.loading = "lazy";
  if (mid !== undefined) img.dataset.mid = mid;
  img.addEventListener("click", () => window.open(img.src, "_blank"));
  img.addEventListener("load", () => { // a picture that arrives late keeps the end in view
    const box = $("#chats");
    if (box.scrollHeight - box.scrollTop - box.clientHeight < img.height + 100) {
      box.scrollTop = box.scrollHeight;
    }
  });
  grid.append(img);
  grid.dataset.count = grid.children.length;
}

function photoGrid(el) {
  const body = el.querySelector(".body");
  let grid = body.querySelector(":scope > .photos");
  if (!grid) {
    grid = document.createElement("div");
    grid.className = "photos";
    body.prepend(grid);
  }
  return grid;
}

function fileCard(el, doc) {
  const a = document.createElement("a");
  a.className = "file";
  a.href = fileUrl(doc.file_id);
  a.download = doc.file_name || "file";
  const kb = doc.file_size ? ` · ${Math.max(1, Math.round(doc.file_size / 1024))} KB` : "";
  a.textContent = `📄 ${doc.file_name || "file"}${kb}`;
  el.querySelector(".body").prepend(a);
}

function setKeyboard(u, el, markup) {
  let kb = el.querySelector(":scope > .keyboard");
  if (kb) kb.remove();
  const rows = (markup && markup.inline_keyboard) || [];
  if (!rows.length) return;
  kb = document.createElement("div");
  kb.className = "keyboard";
  for (const row of rows) {
    const r = document.createElement("div");
    r.className = "kb-row";
    for (const b of row) r.append(keyButton(u, el, b));
    kb.append(r);
  }
  el.append(kb);
}

function keyButton(u, el, b) {
  if (b.url) {
    const a = document.createElement("a");
    a.className = "kb-btn url";
    a.href = b.url;
    a.target = "_blank";
    a.rel = "noopener noreferrer";
    a.textContent = b.text;
    return a;
  }
  const btn = document.createElement("button");
  btn.className = "kb-btn";
  btn.type = "button";
  btn.textContent = b.text;
  if (b.callback_data !== undefined) {
    btn.dataset.data = b.callback_data;
    btn.addEventListener("click", async () => {
      btn.classList.add("pending");
      const mid = Number(el.dataset.mid);
      const out = await call("press", { message_id: mid, data: b.callback_data });
      if (out.callback_query_id) btn.dataset.query = out.callback_query_id;
      else btn.classList.remove("pending");
    });
  } else if (b.pay) {
    btn.classList.add("pay");
    btn.addEventListener("click", () => pay(el, btn));
  } else if (b.copy_text) {
    btn.addEventListener("click", () => {
      navigator.clipboard?.writeText(b.copy_text.text);
      toast("Copied");
    });
  } else {
    btn.disabled = true;
    btn.title = "not available outside Telegram";
  }
  return btn;
}

async function pay(el, btn) {
  btn.disabled = true;
  btn.classList.add("pending");
  const out = await call("pay", { message_id: Number(el.dataset.mid) });
  btn.classList.remove("pending");
  if (out.ok) {
    el.classList.add("paid");
    btn.textContent = "Paid ✓";
  } else {
    btn.disabled = false;
  }
}

function invoiceCard(u, el, inv, markup) {
  const card = document.createElement("div");
  card.className = "invoice";
  const title = document.createElement("div");
  title.className = "title";
  title.textContent = inv.title;
  const desc = document.createElement("div");
  desc.className = "description";
  desc.textContent = inv.description;
  card.append(title, desc);
  el.querySelector(".body").prepend(card);
  const price = inv.currency === "XTR" ? `⭐ ${inv.total_amount}`
    : `${(inv.total_amount / 100).toFixed(2)} ${inv.currency}`;
  // Telegram puts the Pay button first; a keyboard's own pay button takes its place
  const rows = ((markup && markup.inline_keyboard) || []).map((r) => r.slice());
  if (!rows.some((r) => r.some((b) => b.pay))) rows.unshift([{ text: `Pay ${price}`, pay: true }]);
  setKeyboard(u, el, { inline_keyboard: rows });
}

function userChat(chatId) {
  return users.get(Number(chatId));
}

function forget(u, mid) {
  const el = u.msgs.get(mid);
  if (!el) return;
  u.msgs.delete(mid);
  if (el.tagName === "IMG") { // one picture of an album
    const grid = el.parentElement;
    el.remove();
    grid.dataset.count = grid.children.length;
    const msg = grid.closest(".msg");
    if (!grid.children.length && msg) msg.remove();
  } else {
    el.remove();
  }
}

// ---- events ---------------------------------------------------------------------------
function onUpdate(upd) {
  const m = upd.message;
  if (m) {
    const u = addUser({ id: m.from.id, first_name: m.from.first_name,
                        language_code: m.from.language_code });
    if (m.successful_payment) {
      const p = m.successful_payment;
      const el = bubble(u, "service", m.message_id, m.date);
      setText(el, `You paid ${p.currency === "XTR" ? "⭐ " + p.total_amount
                                                   : p.total_amount + " " + p.currency}`);
      return;
    }
    // the next photo of an album joins its grid, even with the bot's answers in between
    let el = m.media_group_id
      && u.el.querySelector(`.msg.user[data-group="${CSS.escape(m.media_group_id)}"]`);
    if (!el) {
      el = bubble(u, "user", m.photo ? undefined : m.message_id, m.date);
      if (m.media_group_id) el.dataset.group = m.media_group_id;
    }
    if (m.photo) {
      addPhoto(photoGrid(el), m.photo, m.message_id);
      u.msgs.set(m.message_id, photoGrid(el).lastElementChild);
    }
    if (m.document) fileCard(el, m.document);
    setText(el, m.text ?? m.caption);
    scrollDown(u.el);
  } else if (upd.callback_query) {
    pressedBy.set(upd.callback_query.id, upd.callback_query.from.id);
  }
}

function onCall(c) {
  if (c.http_status !== 200 || !CHAT_METHODS.has(c.method) && c.method !== "answerCallbackQuery") {
    return;
  }
  const p = c.params;
  const res = c.response && c.response.result;
  if (c.method === "answerCallbackQuery") {
    const b = document.querySelector(`.kb-btn[data-query="${CSS.escape(p.callback_query_id)}"]`);
    if (b) b.classList.remove("pending");
    const recent = Date.now() - c.time * 1000 < 10000; // not when replaying an old chat
    if (p.text && recent && pressedBy.get(p.callback_query_id) === current) {
      toast(p.text, p.show_alert);
    }
    return;
  }
  const u = userChat(p.chat_id);
  if (!u) return;
  const mid = Number(p.message_id);
  switch (c.method) {
    case "sendChatAction":
      u.status = ACTIONS[p.action] || p.action;
      // Telegram shows an action for 5 s, or until the bot's next message
      u.statusUntil = c.time * 1000 + 5000;
      showStatus();
      return;
    case "sendMessage": {
      const el = bubble(u, "bot", res.message_id, res.date);
      setText(el, p.text, p.parse_mode);
      setKeyboard(u, el, p.reply_markup);
      break;
    }
    case "sendPhoto": {
      const el = bubble(u, "bot", res.message_id, res.date);
      addPhoto(photoGrid(el), res.photo);
      setText(el, p.caption, p.parse_mode);
      setKeyboard(u, el, p.reply_markup);
      break;
    }
    case "sendMediaGroup": {
      const el = bubble(u, "bot", undefined, res[0] && res[0].date);
      el.dataset.group = res[0] && res[0].media_group_id;
      const grid = photoGrid(el);
      for (const m of res) {
        if (m.photo) {
          addPhoto(grid, m.photo, m.message_id);
          u.msgs.set(m.message_id, grid.lastElementChild);
        } else if (m.document) {
          fileCard(el, m.document);
        }
      }
      const first = res.find((m) => m.caption);
      if (first) setText(el, first.caption);
      break;
    }
    case "sendDocument": {
      const el = bubble(u, "bot", res.message_id, res.date);
      fileCard(el, res.document);
      setText(el, p.caption, p.parse_mode);
      setKeyboard(u, el, p.reply_markup);
      break;
    }
    case "sendInvoice": {
      const el = bubble(u, "bot", res.message_id, res.date);
      el.classList.add("has-invoice");
      invoiceCard(u, el, res.invoice, p.reply_markup);
      break;
    }
    case "editMessageText":
    case "editMessageCaption":
    case "editMessageReplyMarkup": {
      const el = u.msgs.get(mid);
      if (!el || el.tagName === "IMG") return;
      if (c.method === "editMessageText") setText(el, p.text, p.parse_mode);
      if (c.method === "editMessageCaption") setText(el, p.caption, p.parse_mode);
      if (!el.querySelector(".invoice")) setKeyboard(u, el, p.reply_markup);
      el.dataset.edits = Number(el.dataset.edits) + 1;
      const meta = el.querySelector(".meta");
      meta.textContent = `edited ${timeOf(res && res.edit_date)}`;
      return;
    }
    case "deleteMessage":
      forget(u, mid);
      return;
    default:
      return;
  }
  u.status = ""; // a message ends the chat action
  showStatus();
}

function showStatus() {
  const u = users.get(current);
  const line = $("#status-line");
  clearTimeout(statusTimer);
  if (u && u.status && Date.now() < u.statusUntil) {
    line.textContent = u.status;
    line.classList.add("active");
    statusTimer = setTimeout(showStatus, u.statusUntil - Date.now());
  } else {
    line.textContent = "bot";
    line.classList.remove("active");
  }
}

function toast(text, alert = false) {
  const t = $("#toast");
  t.textContent = text;
  t.classList.toggle("alert", !!alert);
  t.classList.add("shown");
  clearTimeout(t.timer);
  t.timer = setTimeout(() => t.classList.remove("shown"), alert ? 6000 : 3000);
}

function logEvent(e) {
  const li = document.createElement("li");
  const head = document.createElement("details");
  const sum = document.createElement("summary");
  const pre = document.createElement("pre");
  if (e.update) {
    li.className = "log-update";
    const kind = Object.keys(e.update).find((k) => k !== "update_id");
    sum.textContent = `#${e.seq} ⇢ update ${e.update.update_id} ${kind}`;
    pre.textContent = JSON.stringify(e.update, null, 1);
  } else {
    li.className = `log-call ${e.http_status === 200 ? "ok" : "failed"}`;
    li.dataset.method = e.method;
    const chat = e.params && e.params.chat_id !== undefined ? ` chat ${e.params.chat_id}` : "";
    sum.textContent = `#${e.seq} ${e.method} → ${e.http_status || "dropped"}${chat}`;
    pre.textContent = JSON.stringify({ params: e.params, response: e.response }, null, 1);
  }
  head.append(sum, pre);
  li.append(head);
  const log = $("#log");
  log.append(li);
  while (log.children.length > 1000) log.firstElementChild.remove();
  $("#log-count").textContent = ++logCount;
}

async function poll() {
  for (;;) {
    try {
      const r = await fetch(`/_chat/events?since=${seq}&timeout=25`);
      const got = await r.json();
      for (const e of got.events) {
        seq = Math.max(seq, e.seq);
        logEvent(e);
        try {
          if (e.update) onUpdate(e.update);
          else onCall(e);
        } catch (err) {
          console.error("event", e.seq, err);
        }
      }
      if (got.events.length && users.has(current)) scrollDown(users.get(current).el);
      document.body.classList.remove("offline");
    } catch (err) {
      document.body.classList.add("offline");
      await new Promise((ok) => setTimeout(ok, 1000));
    }
  }
}

// ---- wiring -----------------------------------------------------------------------------
function start() {
  addUser({ id: 1000101, first_name: "Anna", language_code: "en" });
  addUser({ id: 1000102, first_name: "Борис", language_code: "ru" });
  $("#add-user").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const user = { id: nextUserId(), first_name: $("#new-name").value.trim() || "User",
                   language_code: $("#new-lang").value };
    addUser(user);
    switchTo(user.id);
    $("#new-name").value = "";
  });
  $("#composer").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const text = $("#text").value;
    $("#text").value = "";
    sendText(text);
  });
  $("#attach-photo").addEventListener("click", () => $("#photo-input").click());
  $("#attach-file").addEventListener("click", () => $("#file-input").click());
  $("#photo-input").addEventListener("change", (ev) => {
    sendFiles(ev.target.files, "photo");
    ev.target.value = "";
  });
  $("#file-input").addEventListener("change", (ev) => {
    sendFiles(ev.target.files, "document");
    ev.target.value = "";
  });
  const main = $("#main");
  main.addEventListener("dragover", (ev) => {
    ev.preventDefault();
    main.classList.add("dropping");
  });
  main.addEventListener("dragleave", () => main.classList.remove("dropping"));
  main.addEventListener("drop", (ev) => {
    ev.preventDefault();
    main.classList.remove("dropping");
    const files = Array.from(ev.dataTransfer.files);
    const images = files.filter((f) => /^image\/(jpeg|png)$/.test(f.type));
    if (images.length) sendFiles(images, "photo");
    const others = files.filter((f) => !images.includes(f));
    if (others.length) sendFiles(others, "document");
  });
  poll();
}

document.addEventListener("DOMContentLoaded", start);
