// `pilotzone serve` in Debian's Chromium: a resident opens their invite link, plays the study,
// pins a comment at a moment and a place, reloads and sees it pinned; a second resident
// replies; an official signs in, hides the comment with a reason, and the audit log shows it.
// scripts/ci-serve.sh starts the service and runs this with PZ_SERVE (its address),
// PZ_INVITE_A and PZ_INVITE_B (two residents' invite links) and PZ_SHOTS (where stills go).
const { test, before, after } = require("node:test");
const assert = require("node:assert/strict");
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");
const { chromium } = require("playwright-core");

const BASE = process.env.PZ_SERVE;
const SHOTS = process.env.PZ_SHOTS;
const FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"];
const HOSTILE = `<img src=x onerror="window.pwned=1">通学路で30 km/hは速すぎます</script>`;

let browser;
const profiles = [];

before(async () => {
  assert.ok(BASE && SHOTS && process.env.PZ_INVITE_A && process.env.PZ_INVITE_B, "run through scripts/ci-serve.sh");
  fs.mkdirSync(SHOTS, { recursive: true });
  browser = await chromium.launch({ executablePath: "/usr/bin/chromium", headless: true, args: FLAGS });
});

after(async () => {
  await browser?.close();
  for (const p of profiles) fs.rmSync(p, { recursive: true, force: true });
});

/** A person's own browser (own cookies), watched for errors and for requests elsewhere. */
async function person(viewport = { width: 1400, height: 950 }) {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  const seen = { errors: [], console: [], dialogs: [], elsewhere: [] };
  page.on("pageerror", (e) => seen.errors.push(e.message));
  page.on("console", (m) => m.type() === "error" && seen.console.push(m.text()));
  page.on("dialog", (d) => {
    seen.dialogs.push(d.message());
    d.dismiss();
  });
  page.on("request", (r) => {
    const u = r.url();
    if (!u.startsWith(BASE) && !u.startsWith("data:")) seen.elsewhere.push(u);
  });
  return { context, page, seen };
}

/** Nothing went wrong but the refusals a test provoked (the browser logs each as an error). */
function clean(seen, provoked = []) {
  assert.deepEqual(seen.errors, [], "no script errors");
  const unexpected = seen.console.filter((m) => !provoked.some((p) => p.test(m)));
  assert.deepEqual(unexpected, [], "no console errors (CSP refusals show there)");
  for (const p of provoked) assert.equal(seen.console.filter((m) => p.test(m)).length, 1, `one ${p}`);
  assert.deepEqual(seen.dialogs, [], "no dialogs");
  assert.deepEqual(seen.elsewhere, [], "no request leaves the service");
}

async function ready(page) {
  const first = await page.evaluate(() => window.pilotzone.ready);
  assert.ok(first != null, "the player plays");
  // The panel is busy until the signed-in person, the comments and the linked moment are in place.
  await page.waitForSelector('#talk:not([hidden])[aria-busy="false"]');
}

async function join(p, link, name) {
  await p.page.goto(link);
  await p.page.fill("#name", name);
  await Promise.all([p.page.waitForURL((u) => u.pathname === "/studies/demo"), p.page.click("button[type=submit]")]);
  await ready(p.page);
}

let commentId;

test("a resident joins, plays, pins a comment to a moment and a place, and sees it after a reload", async () => {
  const aiko = await person();
  await join(aiko, process.env.PZ_INVITE_A, "Aiko");
  const page = aiko.page;
  assert.match(await page.textContent("#talk-who"), /Aiko（住民）/);
  // It plays.
  await page.click("#play");
  await page.waitForFunction(() => window.pilotzone.time() > 20000);
  await page.click("#play");
  assert.equal(await page.evaluate(() => window.pilotzone.playing()), false);
  // A moment, then a place on the map.
  await page.evaluate(() => window.pilotzone.seek(125000));
  const box = await page.locator("#maps canvas").first().boundingBox();
  await page.mouse.click(box.x + box.width * 0.5, box.y + box.height * 0.45);
  const pinText = await page.textContent("#talk-pin");
  assert.match(pinText, /ピン: base · シード 1 · 07:02:05 · \(/, pinText);
  // A comment the service refuses (a character that reorders text on screen) says why, in
  // Japanese, with the service's own words after it.
  await page.fill("#talk-text", "file\u202etxt.exe");
  await page.click("#talk-send");
  await page.waitForFunction(() => document.getElementById("talk-error").textContent !== "");
  assert.equal(
    await page.textContent("#talk-error"),
    "できませんでした: 入力を確かめてください (text holds the character U+202E at character 4, which is not allowed (control or direction override))",
  );
  await page.fill("#talk-text", HOSTILE);
  await page.screenshot({ path: path.join(SHOTS, "serve-1-writing.png") });
  await Promise.all([page.waitForURL(/#comment-\d+$/), page.click("#talk-send")]);
  await ready(page);
  commentId = Number(page.url().match(/#comment-(\d+)$/)[1]);
  // After the reload: the comment is in the record, pinned at its moment and place.
  await page.reload();
  await ready(page);
  const item = page.locator(`#comment-${commentId}`);
  assert.equal(await item.locator("p.said").textContent(), HOSTILE, "the words, as text");
  assert.match(await item.textContent(), /07:02:05 Aiko（住民）/);
  const pinned = await page.evaluate(() => JSON.parse(document.getElementById("pz-data").textContent).runs[0].comments);
  assert.equal(pinned.length, 1);
  assert.equal(pinned[0].t_ms, 125000);
  assert.equal(pinned[0].text, HOSTILE);
  assert.equal(await page.evaluate(() => window.pilotzone.time()), 125000, "the page opens at the comment's moment");
  assert.equal(await page.evaluate(() => window.pwned), undefined, "nothing in the comment ran");
  // Support for an option, with a reason.
  const zone = page.locator(".talk-vote").nth(1);
  await zone.locator("input").fill("子どもが安心して歩ける");
  await zone.locator("button", { hasText: "賛成" }).click();
  await page.waitForFunction(() => document.querySelectorAll(".talk-vote")[1].textContent.includes("賛成 1"));
  await page.screenshot({ path: path.join(SHOTS, "serve-2-pinned.png") });
  clean(aiko.seen, [/status of 422/]);
  await aiko.context.close();
});

test("a second participant replies in the thread", async () => {
  const ben = await person({ width: 390, height: 844 });
  await join(ben, process.env.PZ_INVITE_B, "Ben");
  const page = ben.page;
  await page.locator(`#comment-${commentId} button`, { hasText: "返信" }).click();
  assert.match(await page.textContent("#talk-reply-to"), /返信先: Aiko（住民）/);
  await page.fill("#talk-text", "朝7時台だけ30 km/hにする案はどうでしょう");
  await Promise.all([page.waitForURL(/#comment-\d+$/), page.click("#talk-send")]);
  await ready(page);
  const replyId = Number(page.url().match(/#comment-(\d+)$/)[1]);
  const reply = page.locator(`#comment-${replyId}`);
  assert.equal(await reply.getAttribute("class"), "reply");
  assert.match(await reply.textContent(), /Ben（住民）朝7時台だけ/);
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 390, `the page fits a phone (${width} px wide)`);
  await page.screenshot({ path: path.join(SHOTS, "serve-3-reply-phone.png"), fullPage: true });
  clean(ben.seen);
  await ben.context.close();
});

test("an official hides the comment with a reason, and the audit log shows it", async () => {
  const official = await person();
  const page = official.page;
  await page.goto(`${BASE}/signin?next=/studies/demo`);
  await page.fill("#name", "Tanaka");
  await page.fill("#password", "a long enough password");
  await Promise.all([page.waitForURL((u) => u.pathname === "/studies/demo"), page.click("button[type=submit]")]);
  await ready(page);
  assert.match(await page.textContent("#talk-who"), /Tanaka（行政）/);
  const item = page.locator(`#comment-${commentId}`);
  await item.locator("input").fill("個人を特定できる記述のため");
  await item.locator("button", { hasText: "非表示にする" }).click();
  await page.waitForSelector(`#comment-${commentId} .hidden-note`);
  assert.match(await item.locator(".hidden-note").textContent(), /Tanaka: 個人を特定できる記述のため/);
  await page.click("#talk-audit-open");
  await page.waitForFunction(() => document.getElementById("talk-audit").textContent.includes("comment.hide"));
  const audit = await page.textContent("#talk-audit");
  assert.match(audit, new RegExp(`Tanaka（行政） comment\\.hide #${commentId}: visible → hidden: 個人を特定できる記述のため`));
  assert.match(audit, /Aiko（住民） comment\.create/);
  // The summary: comments by hour (hidden ones left out), votes by role, the record to export,
  // and where comments were pinned, drawn on the town.
  await page.waitForSelector("#talk-summary:not([hidden])");
  assert.match(await page.textContent("#talk-hours"), /時間帯別のコメント: 07:00 1$/);
  assert.match(await page.textContent("#talk-roles"), /住民賛成 0 \/ 懸念 0賛成 1 \/ 懸念 0/);
  await page.click("#talk-heat");
  assert.equal(await page.getAttribute("#talk-heat", "aria-pressed"), "true");
  const csv = await page.evaluate((href) => fetch(href).then((r) => r.text()), await page.getAttribute('#talk-exports a[href$="export/comments.csv"]', "href"));
  assert.match(csv, /個人を特定できる記述のため/, "the export keeps the reason");
  await page.screenshot({ path: path.join(SHOTS, "serve-4-moderated.png") });
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: path.join(SHOTS, "serve-4-heat.png") });
  // A resident now sees that it was hidden and why, not the words.
  const visitor = await person();
  await visitor.page.goto(`${BASE}/studies/demo`);
  await ready(visitor.page);
  const seen = visitor.page.locator(`#comment-${commentId}`);
  assert.equal(await seen.locator("p.said").count(), 0);
  assert.match(await seen.textContent(), /非表示にされたコメント — Tanaka: 個人を特定できる記述のため/);
  // Anyone can show two options side by side for another seed, with the study's intervals.
  await visitor.page.selectOption("#talk-compare", "zone-30");
  await visitor.page.selectOption("#talk-seed", "2");
  await Promise.all([
    visitor.page.waitForURL((u) => u.searchParams.get("compare") === "zone-30" && u.searchParams.get("seed") === "2"),
    visitor.page.click("#talk-view button[type=submit]"),
  ]);
  await ready(visitor.page);
  assert.equal(await visitor.page.locator("#maps canvas").count(), 2, "A and B side by side");
  assert.equal(await visitor.page.locator("#study").isHidden(), false, "the paired intervals show");
  await visitor.page.screenshot({ path: path.join(SHOTS, "serve-5-compare.png") });
  clean(official.seen);
  clean(visitor.seen);
  await official.context.close();
  await visitor.context.close();
});

test("a projector follows the presenter in meeting mode", async () => {
  const projector = await person({ width: 1280, height: 720 });
  await projector.page.goto(`${BASE}/studies/demo?follow=1`);
  await ready(projector.page);
  const presenter = await person();
  const page = presenter.page;
  await page.goto(`${BASE}/signin?next=${encodeURIComponent("/studies/demo?present=1")}`);
  await page.fill("#name", "Tanaka");
  await page.fill("#password", "a long enough password");
  await Promise.all([page.waitForURL((u) => u.pathname === "/studies/demo"), page.click("button[type=submit]")]);
  await ready(page);
  await page.evaluate(() => window.pilotzone.seek(300000));
  await projector.page.waitForFunction(() => window.pilotzone.time() === 300000, null, { timeout: 10000 });
  // Another seed: the projector opens that run too.
  await page.selectOption("#talk-seed", "3");
  await Promise.all([page.waitForURL((u) => u.searchParams.get("seed") === "3"), page.click("#talk-view button[type=submit]")]);
  await ready(page);
  await projector.page.waitForURL((u) => u.searchParams.get("seed") === "3" && u.searchParams.get("follow") === "1", { timeout: 10000 });
  await ready(projector.page);
  await projector.page.waitForFunction(() => window.pilotzone.time() === 300000, null, { timeout: 10000 });
  await projector.page.screenshot({ path: path.join(SHOTS, "serve-6-projector.png") });
  clean(presenter.seen);
  clean(projector.seen);
  await presenter.context.close();
  await projector.context.close();
});
