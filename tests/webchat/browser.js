// browser.js — drives the web chat (tools/webchat/) in Debian's Chromium, as a newcomer would
// use it: /start, the create flow by clicks, an album of ten photos by the file picker, the
// training's progress edited in place, a generated picture, an invoice paid. Asserts on the
// page (the DOM), saves a screenshot of each step into OUT_DIR and prints what it saw as JSON
// for tests/integration/test_webchat.py, which checks the Bot API calls and rows behind it.
//
//   NODE_PATH=<playwright-core's node_modules> node browser.js URL OUT_DIR PHOTO...
"use strict";
const assert = require("assert");
const path = require("path");
const { chromium } = require("playwright-core");

const [url, outDir, ...photos] = process.argv.slice(2);
const TOKEN = "123456:TEST-token-abc"; // the stand-in's (tests/support/harness.py)
const WAIT = Number(process.env.AB_WEBCHAT_WAIT_MS || 60000); // a condition, never a sleep

let onFailure = async () => {};

async function main() {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    headless: true,
    args: ["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"],
  });
  const seen = { steps: [] };
  const page = await browser.newPage({ viewport: { width: 1100, height: 760 } });
  page.setDefaultTimeout(WAIT);
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); });
  onFailure = async () => {
    process.stderr.write(`page errors: ${JSON.stringify(errors)}\n`);
    await page.screenshot({ path: path.join(outDir, "failure.png") }).catch(() => {});
    await browser.close();
  };
  const chat = page.locator('.chat:not([hidden])');
  const shot = async (name) => {
    await page.screenshot({ path: path.join(outDir, `${name}.png`) });
    seen.steps.push(name);
  };
  // the bot's latest message holding text, and a button under any message by its label
  const botMsg = (text) => chat.locator(".msg.bot", { hasText: text }).last();
  const button = (label) => chat.locator(".kb-btn", { hasText: label }).last();
  const say = async (text) => {
    await page.fill("#text", text);
    await page.press("#text", "Enter");
  };
  // presses a button; the screen it opens replaces the message it is on (an edit)
  const pressInPlace = async (label, expect) => {
    const msg = chat.locator(".msg.bot", { has: page.locator(".kb-btn", { hasText: label }) })
      .last();
    const mid = await msg.getAttribute("data-mid");
    await button(label).click();
    const same = chat.locator(`.msg.bot[data-mid="${mid}"]`);
    await same.filter({ hasText: expect }).waitFor();
    assert.ok(Number(await same.getAttribute("data-edits")) >= 1, `${label}: not edited`);
    return mid;
  };

  await page.goto(url);
  await chat.waitFor({ state: "attached" }); // empty until the first message
  seen.user = Number(await chat.getAttribute("data-uid"));

  // 1. /start: the menu with its buttons
  await say("/start");
  const menu = botMsg("Avatar menu");
  await menu.locator(".kb-btn", { hasText: "Create avatar" }).waitFor();
  seen.menuButtons = await menu.locator(".kb-btn").allTextContents();
  await shot("01-start-menu");

  // 2. the create flow, every screen an edit of the menu's message
  const flow = [["Create avatar", "Your privacy"], ["I agree", "Choose a training type"],
                ["Artistic", "Artistic avatar"],
                ["Continue", "What will this avatar depict"],
                ["A person or character", "gender"], ["Female", "Name your avatar"]];
  seen.createMessage = null;
  for (const [label, expect] of flow) {
    const mid = await pressInPlace(label, expect);
    seen.createMessage = seen.createMessage || mid;
    assert.strictEqual(mid, seen.createMessage, "the create flow left its message");
  }
  await say("Web test");
  await botMsg("Uploading photos").waitFor();
  await button("Add photo").click(); // answered with a notice: the toast
  await page.locator("#toast.shown", { hasText: "Send photos" }).waitFor();
  await shot("02-create-flow");

  // 3. ten photos by the file picker: one album, then the avatar is ready to train
  const [chooser] = await Promise.all([page.waitForEvent("filechooser"),
                                       page.click("#attach-photo")]);
  await chooser.setFiles(photos);
  const album = chat.locator(".msg.user .photos").last();
  await album.locator("img").nth(photos.length - 1).waitFor();
  seen.albumImages = await album.locator("img").count();
  seen.albumGroup = await chat.locator(".msg.user").last().getAttribute("data-group");
  await button("Start training").waitFor();
  await page.waitForFunction(
    (el) => [...el.querySelectorAll("img")].every((i) => i.complete && i.naturalWidth > 0),
    await album.elementHandle());
  await shot("03-album-ready");

  // 4. the training, its status message edited in place until done
  await pressInPlace("Start training", "Training avatar");
  await button("Start").first().waitFor();
  await chat.locator(".kb-btn", { hasText: /^✅ Start$/ }).last().click();
  const status = chat.locator(".msg.bot", { hasText: "Avatar training" }).last();
  await status.waitFor();
  seen.progressMessage = await status.getAttribute("data-mid");
  const progress = chat.locator(`.msg.bot[data-mid="${seen.progressMessage}"]`);
  const texts = [];
  await page.waitForFunction((mid) => {
    const el = document.querySelector(`.chat:not([hidden]) .msg.bot[data-mid="${mid}"]`);
    return el && Number(el.dataset.edits) >= 1;
  }, seen.progressMessage);
  texts.push(await progress.locator(".text").textContent());
  await shot("04-training-progress");
  await chat.locator(".msg.bot", { hasText: "is ready" }).last().waitFor();
  seen.progressEdits = Number(await progress.getAttribute("data-edits"));
  seen.progressText = await progress.locator(".text").textContent();
  assert.ok(seen.progressEdits >= 2, `the progress was edited ${seen.progressEdits} times`);
  assert.notStrictEqual(seen.progressText, texts[0]);
  assert.strictEqual(await chat.locator(`.msg[data-mid="${seen.progressMessage}"]`).count(), 1);

  // 5. a picture of the new avatar
  await button("Create pictures").click();
  await botMsg("New pictures of").waitFor();
  await button("Business portrait").click();
  await button("1:1").click();
  await chat.locator(".kb-btn", { hasText: /^1$/ }).last().click();
  const picture = chat.locator(".msg.bot .photos img").last();
  await botMsg("Here they are").waitFor();
  await page.waitForFunction((img) => img.complete && img.naturalWidth > 0,
                             await picture.elementHandle());
  seen.pictureSrc = await picture.getAttribute("src");
  seen.pictureWidth = await picture.evaluate((img) => img.naturalWidth);
  await shot("05-generated-picture");

  // 6. credits for Telegram Stars: the invoice paid
  await say("/balance");
  await botMsg("balance").locator(".kb-btn").first().waitFor();
  const pack = botMsg("balance").locator(".kb-btn", { hasText: "⭐" }).first();
  seen.pack = await pack.textContent();
  await pack.click();
  const invoice = chat.locator(".msg.bot.has-invoice").last();
  const pay = invoice.locator(".kb-btn.pay");
  await pay.waitFor();
  seen.payButton = await pay.textContent();
  seen.invoiceMessage = await invoice.getAttribute("data-mid");
  await shot("06-invoice");
  await pay.click();
  await chat.locator(".msg.service", { hasText: "You paid" }).waitFor();
  await botMsg("Payment received").waitFor();
  seen.paid = await chat.locator(".msg.service").last().textContent();
  await shot("07-paid");

  // the README's picture: the chat at its generated picture
  await picture.scrollIntoViewIfNeeded();
  await page.screenshot({ path: path.join(outDir, "webchat.png"), type: "png" });

  // 7. what the Bot API can send beyond what the bot sends today, in another user's chat
  await rendering(page, seen);
  await shot("08-rendering");

  // the log panel lists the calls
  await page.click("#log-panel summary");
  seen.logged = Number(await page.locator("#log-count").textContent());
  await page.locator("#log li[data-method=sendInvoice]").first().waitFor();
  await page.click("#log-panel summary");

  seen.errors = errors;
  await browser.close();
  process.stdout.write(JSON.stringify(seen) + "\n");
}

// Bot API calls made as the bot would make them (the stand-in's token), to Борис, the page's
// second user: HTML formatting (sanitized), a URL button, a chat action, a file upload, a
// photo by URL, a deletion; Anna's chat is kept meanwhile.
async function rendering(page, seen) {
  const anna = await page.locator('.chat[data-uid="1000101"] .msg').count();
  await page.click('#user-list li[data-uid="1000102"]');
  const chat = page.locator('.chat[data-uid="1000102"]');
  const bot = async (method, body) => {
    const r = await fetch(`${url}bot${TOKEN}/${method}`, body instanceof FormData
      ? { method: "POST", body }
      : { method: "POST", headers: { "Content-Type": "application/json" },
          body: JSON.stringify(body) });
    const out = await r.json();
    assert.ok(out.ok, `${method}: ${JSON.stringify(out)}`);
    return out.result;
  };
  const chatId = 1000102;
  await bot("sendChatAction", { chat_id: chatId, action: "upload_photo" });
  await page.locator("#status-line", { hasText: "sending a photo…" }).waitFor();
  const html = await bot("sendMessage", {
    chat_id: chatId, parse_mode: "HTML",
    text: '<b>bold</b> <i>it</i> <a href="javascript:alert(1)">bad link</a> ' +
          '<a href="https://example.org/">good link</a> ' +
          "<code>&lt;script&gt;x()&lt;/script&gt;</code>",
    reply_markup: { inline_keyboard: [[{ text: "Site", url: "https://example.org/" }]] } });
  const msg = chat.locator(`.msg[data-mid="${html.message_id}"]`);
  await msg.waitFor();
  seen.html = {
    bold: await msg.locator(".text b").textContent(),
    italic: await msg.locator(".text i").textContent(),
    code: await msg.locator(".text code").textContent(),
    hrefs: await msg.locator(".text a").evaluateAll((as) => as.map((a) => a.getAttribute("href"))),
    scripts: await chat.locator("script").count(),
    urlButton: await msg.locator(".kb-btn.url").getAttribute("href"),
  };
  assert.deepStrictEqual(seen.html.hrefs, [null, "https://example.org/"]);
  assert.strictEqual(seen.html.code, "<script>x()</script>");
  assert.strictEqual(seen.html.scripts, 0);
  assert.strictEqual(await page.locator("#status-line").textContent(), "bot"); // ended
  const form = new FormData();
  form.append("chat_id", String(chatId));
  form.append("document", new Blob(["hello from the bot\n"], { type: "text/plain" }), "notes.txt");
  const doc = await bot("sendDocument", form);
  const link = chat.locator(`.msg[data-mid="${doc.message_id}"] a.file`);
  await link.waitFor();
  const got = await fetch(new URL(await link.getAttribute("href"), url));
  seen.document = { name: await link.getAttribute("download"), body: await got.text() };
  assert.deepStrictEqual(seen.document, { name: "notes.txt", body: "hello from the bot\n" });
  // a URL the browser reaches without the internet: a photo of Anna's album
  const photoUrl = new URL(await page.locator('.chat[data-uid="1000101"] .msg.user .photos img')
    .first().getAttribute("src"), url).href;
  const byUrl = await bot("sendPhoto", { chat_id: chatId, photo: photoUrl });
  const img = chat.locator(`.msg[data-mid="${byUrl.message_id}"] .photos img`);
  await page.waitForFunction((el) => el.complete && el.naturalWidth > 0, await img.elementHandle());
  const src = await img.getAttribute("src");
  const hop = await fetch(new URL(src, url), { redirect: "manual" });
  seen.photoByUrl = { status: hop.status, location: hop.headers.get("location"), photoUrl };
  await bot("deleteMessage", { chat_id: chatId, message_id: html.message_id });
  await msg.waitFor({ state: "detached" });

  // Борис drops two photos on the chat (an album), then sends one as a file
  const drop = await page.evaluateHandle(async (srcs) => {
    const dt = new DataTransfer();
    for (const [i, src] of srcs.entries()) {
      const blob = await (await fetch(src)).blob();
      dt.items.add(new File([blob], `dropped-${i + 1}.png`, { type: "image/png" }));
    }
    return dt;
  }, [photoUrl, photoUrl]);
  await page.dispatchEvent("#main", "drop", { dataTransfer: drop });
  await chat.locator(".msg.user[data-group] .photos img").nth(1).waitFor();
  await page.setInputFiles("#file-input", photos[2]);
  const asFile = chat.locator(".msg.user a.file");
  await asFile.waitFor();
  seen.dropped = await chat.locator(".msg.user[data-group] .photos img").count();
  seen.sentFile = await asFile.getAttribute("download");
  await page.click('#user-list li[data-uid="1000101"]');
  assert.strictEqual(await page.locator('.chat[data-uid="1000101"] .msg').count(), anna);
  await page.click('#user-list li[data-uid="1000102"]');
}

main().catch(async (e) => {
  process.stderr.write(`browser test failed: ${e.stack || e}\n`);
  await onFailure();
  process.exit(1);
});
