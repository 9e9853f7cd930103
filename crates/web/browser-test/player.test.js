// The exported web player in Debian's Chromium: it plays, it shows what `pilotzone replay state`
// says, its incident list moves the time, a damaged replay plays its good part with a message,
// two runs compare with the study's intervals, hostile names and comments stay text, and no
// request leaves the page. scripts/ci-web.sh makes the exports and runs this with
// PILOTZONE (the command line), PZ_OUT (where the exports are) and PZ_DEMO_RUN (the demo's run).
const { test, before, after } = require("node:test");
const assert = require("node:assert/strict");
const { execFileSync, spawnSync } = require("node:child_process");
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");
const { chromium } = require("playwright-core");

const OUT = process.env.PZ_OUT;
const RUN = process.env.PZ_DEMO_RUN;
const PILOTZONE = process.env.PILOTZONE;
const FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"];
const TOLERANCE_M = 0.5;

let context;
let profile;

before(async () => {
  assert.ok(OUT && RUN && PILOTZONE, "run through scripts/ci-web.sh (PZ_OUT, PZ_DEMO_RUN, PILOTZONE)");
  profile = fs.mkdtempSync(path.join(os.tmpdir(), "pz-chromium-"));
  context = await chromium.launchPersistentContext(profile, {
    executablePath: "/usr/bin/chromium",
    headless: true,
    args: FLAGS,
    viewport: { width: 1280, height: 900 },
  });
});

after(async () => {
  await context?.close();
  fs.rmSync(profile, { recursive: true, force: true });
});

/** Opens a page file and watches it: errors, console errors, dialogs and every request. */
async function open(file, viewport) {
  const page = await context.newPage();
  if (viewport) await page.setViewportSize(viewport);
  const seen = { errors: [], console: [], dialogs: [], requests: [] };
  const url = `file://${file}`;
  page.on("pageerror", (e) => seen.errors.push(e.message));
  page.on("console", (m) => seen.console.push(`${m.type()}: ${m.text()}`));
  page.on("dialog", (d) => {
    seen.dialogs.push(d.message());
    d.dismiss();
  });
  page.on("request", (r) => {
    if (r.url() !== url && !r.url().startsWith("data:")) seen.requests.push(r.url());
  });
  const started = Date.now();
  await page.goto(url);
  const firstFrameMs = await page.evaluate(() => window.pilotzone.ready);
  assert.ok(firstFrameMs != null, `the page plays: ${JSON.stringify(seen)}`);
  return { page, seen, firstFrameMs, wallMs: Date.now() - started };
}

/** Nothing went wrong and nothing left the page. */
function clean(seen) {
  assert.deepEqual(seen.errors, [], "no script errors");
  assert.deepEqual(seen.console.filter((m) => m.startsWith("error")), [], "no console errors (CSP refusals show there)");
  assert.deepEqual(seen.dialogs, [], "no dialogs");
  assert.deepEqual(seen.requests, [], "no request leaves the page");
}

function oracle(run, at) {
  return JSON.parse(execFileSync(PILOTZONE, ["replay", "state", run, "--at", at, "--json"], { encoding: "utf8" }));
}

/** Every entity the page draws is where the command line's reader puts it. */
function assertMatches(states, expected, what) {
  assert.equal(states.length, expected.entities.length, `${what}: one state per entity`);
  let checked = 0;
  const kinds = new Set();
  for (const [i, o] of expected.entities.entries()) {
    const s = states[i];
    assert.equal(s.id, o.id);
    const off = Math.hypot(s.x_m - o.x_m, s.y_m - o.y_m, s.z_m - o.z_m);
    assert.ok(off <= TOLERANCE_M, `${what}: entity ${o.id} (${o.kind}) is ${off.toFixed(3)} m from the reader's position`);
    assert.equal(s.status, o.status, `${what}: entity ${o.id}'s status`);
    if (o.speed_mps > 0 || o.z_m > 0) kinds.add(o.kind);
    checked += 1;
  }
  assert.ok(checked >= 3 && kinds.size >= 2, `${what}: moving entities of several kinds compared (${[...kinds]})`);
}

test("the demo plays, matches the reader, and its incident list moves the time", async () => {
  const bytes = fs.statSync(path.join(OUT, "demo.html")).size;
  assert.ok(bytes <= 3_000_000, `the demo's two hours export to at most 3 MB, font included: ${bytes}`);
  const { page, seen, firstFrameMs, wallMs } = await open(path.join(OUT, "demo.html"));
  console.log(`demo page plays ${firstFrameMs.toFixed(0)} ms after navigation (${wallMs} ms to the test)`);
  assert.equal(await page.getAttribute("html", "lang"), "ja");

  // The animation advances: play at ×600 for a moment and positions differ.
  await page.evaluate(() => window.pilotzone.seek(20 * 60 * 1000));
  const t1 = await page.evaluate(() => window.pilotzone.time());
  const s1 = await page.evaluate(() => window.pilotzone.state());
  await page.selectOption("#speed", "600");
  await page.click("#play");
  await page.waitForFunction((t) => window.pilotzone.time() > t + 30000, t1);
  await page.click("#play");
  const t2 = await page.evaluate(() => window.pilotzone.time());
  const s2 = await page.evaluate(() => window.pilotzone.state());
  assert.ok(t2 > t1, "time advanced");
  const moved = s2.filter((s, i) => Math.hypot(s.x_m - s1[i].x_m, s.y_m - s1[i].y_m) > 1).length;
  assert.ok(moved >= 3, `entities moved between ${t1} and ${t2} ms: ${moved}`);

  // After a seek the page shows every entity where `pilotzone replay state` puts it.
  for (const at of ["07:30", "08:12:35", "08:59:59"]) {
    const expected = oracle(RUN, at);
    const t = await page.evaluate((ms) => window.pilotzone.seek(ms), expected.t_ms);
    assert.equal(t, expected.t_ms);
    assertMatches(await page.evaluate(() => window.pilotzone.state()), expected, at);
    assert.equal(await page.textContent("#clock"), expected.clock.slice(0, 8));
  }

  // A click on an incident moves the time to it: the third, as events.csv lists it.
  const incidents = fs
    .readFileSync(path.join(RUN, "events.csv"), "utf8")
    .split("\n")
    .slice(1)
    .map((l) => l.split(","))
    .filter((f) => f.length > 11 && f[11] !== "");
  assert.ok(incidents.length >= 3, "the demo has incidents");
  const third = incidents[2];
  await page.click("#incidents li:nth-child(3) button");
  const t3 = await page.evaluate(() => window.pilotzone.time());
  assert.ok(Math.abs(t3 - Number(third[0]) * 1000) <= 100, `moved to ${t3} ms, the incident is at ${third[0]} s`);
  await page.waitForFunction((clock) => document.getElementById("clock").textContent === clock, third[1].slice(0, 8));
  assert.match(await page.textContent("#incidents li:nth-child(3)"), new RegExp(third[1].slice(0, 8)));

  // The keyboard: Space plays and pauses, → steps one sample.
  await page.evaluate(() => document.activeElement.blur());
  await page.keyboard.press("Space");
  assert.equal(await page.evaluate(() => window.pilotzone.playing()), true);
  await page.keyboard.press("Space");
  const before = await page.evaluate(() => window.pilotzone.time());
  await page.keyboard.press("ArrowRight");
  const stepped = await page.evaluate(() => window.pilotzone.time());
  assert.equal(stepped - (before - (before % 500)), 500, `one sample on from ${before}`);
  await page.keyboard.press("Tab");
  assert.ok(await page.evaluate(() => document.activeElement !== document.body), "Tab reaches a control");

  // 08:04: drones in the air, the market street closed, no drones over the school.
  await page.mouse.move(0, 0);
  await page.evaluate(() => document.activeElement.blur());
  await page.evaluate(() => window.pilotzone.seek(64 * 60 * 1000));
  await page.screenshot({ path: path.join(OUT, "player-ja-desktop.png") });
  await page.click("#lang");
  assert.equal(await page.getAttribute("html", "lang"), "en");
  assert.equal(await page.textContent("#play"), "Play");
  clean(seen);
  await page.close();
});

test("between samples the page interpolates as the reader does", async () => {
  const { page, seen } = await open(path.join(OUT, "sparse.html"));
  const run = path.join(OUT, "sparse/run");
  for (const at of ["07:04:01", "07:09:59", "07:17:32"]) {
    const expected = oracle(run, at);
    assert.notEqual(expected.t_ms % 1500, 0, `${at} falls between samples`);
    await page.evaluate((ms) => window.pilotzone.seek(ms), expected.t_ms);
    const states = await page.evaluate(() => window.pilotzone.state());
    assertMatches(states, expected, at);
    for (const [i, o] of expected.entities.entries()) {
      const turn = Math.abs(((states[i].heading_deg - o.heading_deg + 540) % 360) - 180);
      assert.ok(turn < 0.01 && Math.abs(states[i].speed_mps - o.speed_mps) < 0.005, `${at}: entity ${o.id}'s heading and speed`);
    }
  }
  clean(seen);
  await page.close();
});

test("on a phone the page fits the screen, in English", async () => {
  const { page, seen } = await open(path.join(OUT, "demo-en.html"), { width: 390, height: 844 });
  assert.equal(await page.getAttribute("html", "lang"), "en");
  await page.evaluate(() => window.pilotzone.seek(50 * 60 * 1000));
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 390, `no sideways scrolling on a 390 px screen: ${width}`);
  const map = await page.locator(".map canvas").first().boundingBox();
  assert.ok(map.width >= 360 && map.height >= 300, `the map fills the screen: ${JSON.stringify(map)}`);
  await page.screenshot({ path: path.join(OUT, "player-en-phone.png") });
  clean(seen);
  await page.close();
});

test("a damaged replay shows a message and plays what it kept", async () => {
  const html = fs.readFileSync(path.join(OUT, "demo.html"), "utf8");
  const bytes = fs.readFileSync(path.join(RUN, "replay.pzr"));
  const cut = bytes.subarray(0, Math.floor(bytes.length * 0.6));
  const cutFile = path.join(OUT, "cut.pzr");
  fs.writeFileSync(cutFile, cut);
  const damaged = html.replace(/(<script type="application\/octet-stream" id="pz-replay-0">)[^<]*/, `$1${cut.toString("base64")}`);
  assert.notEqual(damaged, html);
  const file = path.join(OUT, "damaged.html");
  fs.writeFileSync(file, damaged);
  const { page, seen } = await open(file);
  assert.equal(await page.isVisible("#banner"), true);
  // The page says what `pilotzone replay info` says of the same bytes.
  const info = spawnSync(PILOTZONE, ["replay", "info", cutFile], { encoding: "utf8" });
  assert.equal(info.status, 2);
  const damage = info.stdout.match(/damage\s+(.*)/)[1];
  assert.ok((await page.textContent("#banner")).includes(damage), damage);
  const duration = await page.evaluate(() => window.pilotzone.duration());
  assert.ok(duration > 60 * 60 * 1000 && duration < 7200 * 1000, `plays the part kept: ${duration} ms`);
  const expected = oracle(cutFile, "07:40");
  await page.evaluate((ms) => window.pilotzone.seek(ms), expected.t_ms);
  assertMatches(await page.evaluate(() => window.pilotzone.state()), expected, "damaged 07:40");
  assert.deepEqual(seen.errors, []);
  assert.deepEqual(seen.requests, []);
  await page.close();

  // Bytes that are no replay at all: the page says so, in words, and is not blank.
  const foreign = path.join(OUT, "foreign.html");
  fs.writeFileSync(foreign, html.replace(/(id="pz-replay-0">)[^<]*/, `$1${Buffer.from("<html>").toString("base64")}`));
  const other = await context.newPage();
  await other.goto(`file://${foreign}`);
  assert.equal(await other.evaluate(() => window.pilotzone.ready), null);
  assert.match(await other.textContent("#banner"), /not a pilotzone replay/);
  assert.equal(await other.textContent("#play"), "再生");
  await other.close();
});

test("two options side by side, in step, with the study's paired intervals", async () => {
  const { page, seen } = await open(path.join(OUT, "compare.html"));
  assert.equal(await page.locator(".map canvas").count(), 2);
  const a = path.join(OUT, "study/runs/base/1");
  const b = path.join(OUT, "study/runs/school-10/1");
  const expectedA = oracle(a, "07:20");
  const expectedB = oracle(b, "07:20");
  await page.evaluate((ms) => window.pilotzone.seek(ms), expectedA.t_ms);
  assertMatches(await page.evaluate(() => window.pilotzone.state(0)), expectedA, "A 07:20");
  assertMatches(await page.evaluate(() => window.pilotzone.state(1)), expectedB, "B 07:20");
  assert.equal(await page.isVisible("#study"), true);
  const note = await page.textContent("#study-note");
  assert.match(note, /A = base, B = school-10/);
  // The intervals are those `pilotzone compare` prints.
  const printed = execFileSync(PILOTZONE, ["compare", path.join(OUT, "study"), "--baseline", "base", "--variant", "school-10"], {
    encoding: "utf8",
  });
  const rows = await page.$$eval("#study-table tbody tr", (trs) => trs.map((tr) => [...tr.children].map((c) => c.textContent)));
  const waits = printed.split("\n").find((l) => l.startsWith("taxi.wait_s.mean "));
  assert.ok(waits, printed);
  const [, , , , low, , high] = waits.trim().split(/\s+/);
  const shown = rows.find((r) => r[4]?.startsWith(`${low} … `));
  assert.ok(shown && shown[4] === `${low} … ${high}`, `the page shows ${low} … ${high}: ${JSON.stringify(rows)}`);
  clean(seen);
  await page.close();
});

test("a map from OpenStreetMap is credited under its licence", async () => {
  const { page, seen } = await open(path.join(OUT, "osm.html"));
  assert.match(await page.textContent("#attribution"), /^map data: © OpenStreetMap contributors, ODbL 1\.0/);
  const places = await page.evaluate(() => JSON.parse(document.getElementById("pz-data").textContent).runs[0].scene.places.length);
  assert.ok(places > 10, "the imported town's places come along");
  clean(seen);
  await page.close();
});

test("names, rules and comments holding markup show as text and run nothing", async () => {
  const { page, seen } = await open(path.join(OUT, "hostile.html"));
  await page.evaluate(() => window.pilotzone.seek(6 * 60 * 1000));
  assert.equal(await page.evaluate(() => window.pwned), undefined, "no injected script ran");
  assert.equal(await page.locator("img, svg, b").count(), 0, "no injected element exists");
  assert.equal(await page.textContent("h1"), `<img src=x onerror=window.pwned=1> "q" 's'`);
  assert.equal(await page.textContent("#subtitle").then((s) => s.split(" · ")[0]), "</script><script>window.pwned=2</script>");
  const rules = await page.$$eval("#rules li", (lis) => lis.map((li) => li.textContent));
  assert.ok(rules.some((r) => r.startsWith(`</script><img src=x onerror=window.pwned=3> "30 m" 'apart'`)), JSON.stringify(rules));
  const said = await page.$$eval("#comments .said", (ps) => ps.map((p) => p.textContent));
  assert.equal(said[0], `<img src=x onerror="window.pwned=6;console.log('pwned')"></script><script>window.pwned=7</script> "quoted" 'single' & more`);
  assert.equal(said[1], "<svg onload=window.pwned=8>");
  assert.match(await page.textContent("#comments .who"), /<b onmouseover=window.pwned=5>"Ann" 'O'<\/b>/);
  await page.click("#lang");
  await page.hover("#comments .who");
  assert.equal(await page.evaluate(() => window.pwned), undefined);
  assert.ok(!seen.console.some((m) => m.includes("pwned")), "nothing logged by injected code");
  clean(seen);
  await page.close();
});
