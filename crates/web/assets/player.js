// The player: reads the page's data and replays, and wires the maps, the timeline, the lists,
// the KPI tables and the charts to one clock. Every word comes from the data (`t` and the
// vocabulary) and every untrusted text goes in as textContent, never as markup.
(() => {
  "use strict";

  const SPEEDS = [1, 2, 5, 10, 30, 60, 120, 300, 600];
  // An incident or comment is "near" the time shown within this window: its marker shows.
  const NEAR_MS = 90 * 1000;

  const $ = (id) => document.getElementById(id);
  const data = JSON.parse($("pz-data").textContent);
  let lang = data.lang;

  /** A label of the player, or of the scene's tables (`word.rules`, `zone.park`, ...). */
  const t = (key, l = lang) => (data.labels[key] ?? data.runs[0].scene.legend.labels[key])?.[l] ?? key;
  const named = (word) => (word ? word[lang] : "");

  /** Creates an element with text: the only way text enters the page. */
  function el(tag, text, cls) {
    const e = document.createElement(tag);
    if (text != null) e.textContent = text;
    if (cls) e.className = cls;
    return e;
  }

  const vocab = {
    entityKinds: Object.fromEntries(data.vocabulary.entity_kinds.map((w) => [w.code, w.key])),
    eventKinds: new Set(data.vocabulary.event_kinds.map((w) => w.key)),
    statuses: new Set(Object.keys(data.runs[0].scene.legend.statuses)),
  };
  const eventWord = Object.fromEntries(data.vocabulary.event_kinds.map((w) => [w.key, w]));
  const severityWord = Object.fromEntries(data.vocabulary.severities.map((w) => [w.key, w]));
  const roleWord = Object.fromEntries(data.vocabulary.roles.map((w) => [w.key, w]));

  // The read-only hook a browser test (or a curious resident's console) reads the player by.
  let resolveReady;
  const ready = new Promise((r) => (resolveReady = r));
  const hook = { ready, errors: [] };
  window.pilotzone = hook;

  const state = { tMs: 0, playing: false, backwards: false, speed: 60, focus: null, durationMs: 0 };
  // What a page served by `pilotzone serve` adds listens here: places picked on a map, a
  // language switch, and the pin a comment being written will have.
  const listeners = { pick: [], lang: [] };
  let pending = null;
  let heat = null;
  let runs = [];
  let needsDraw = true;
  let lastWall = null;
  let firstFrameMs = null;
  const view = new PzMap.View();

  function clock(run, tMs) {
    const s = run.replay.header.startS + Math.floor(tMs / 1000);
    return [Math.floor(s / 3600) % 24, Math.floor(s / 60) % 60, s % 60].map((v) => String(v).padStart(2, "0")).join(":");
  }

  function todS(run, tMs) {
    return run.replay.header.startS + Math.floor(tMs / 1000);
  }

  function fmt(value, digits = 0) {
    if (value == null || Number.isNaN(value)) return "–";
    return value.toLocaleString(lang === "ja" ? "ja-JP" : "en-GB", {
      minimumFractionDigits: digits,
      maximumFractionDigits: digits,
    });
  }

  function showBanner(text) {
    const b = $("banner");
    b.textContent = b.hidden ? text : `${b.textContent}\n${text}`;
    b.hidden = false;
  }

  function decodeBase64(text) {
    const bin = atob(text.trim());
    const out = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  }

  async function openRun(run, i) {
    const replay = await PzReplay.open(decodeBase64($(`pz-replay-${i}`).textContent), vocab);
    if (replay.damage) showBanner(`${t("damaged")}: ${replay.damage}`);
    const incidents = run.incidents.map((m) => ({ ...m, run: i }));
    // Each kind's event times, in order, so "so far" is a binary search, not a count.
    const times = {};
    for (const e of replay.events) (times[e.kind] ??= []).push(e.tMs);
    return { ...run, index: i, replay, times, cursor: new PzReplay.Cursor(replay), incidents, agents: [], frameT: null };
  }

  // ---- text of the page ----

  /** The words of the page's frame: there even when no replay can be read. */
  function labelFrame() {
    document.documentElement.lang = lang;
    for (const e of document.querySelectorAll("[data-label]")) e.textContent = t(e.dataset.label);
    $("lang").textContent = t("language");
    $("play").textContent = state.playing ? t("pause") : t("play");
    $("scrub").setAttribute("aria-label", t("timeline"));
    $("clock").setAttribute("aria-label", t("clock"));
  }

  function applyLabels() {
    labelFrame();
    const scene = runs[0].scene;
    $("title").textContent = scene.name;
    document.title = `${scene.name} — ${t("app.title")}`;
    const h = runs[0].replay.header;
    $("subtitle").textContent = [scene.description, `${t("seed")} ${h.seed}`].filter(Boolean).join(" · ");
    const attributions = [...new Set(runs.map((r) => r.scene.attribution).filter(Boolean))];
    $("attribution").textContent = attributions.map((a) => `${t("word.attribution")}: ${a}`).join(" · ");
    $("about").textContent = `${t("made_with")} ${h.engineVersion} · ${runs.map((r) => r.replay_hash).join(" / ")}`;
    for (const run of runs) {
      // One run is named by the page's title; two are told apart as A and B.
      run.caption.hidden = runs.length === 1;
      run.caption.textContent = `${"AB"[run.index]}: ${run.title}`;
      run.fitButton.textContent = t("fit");
      run.canvas.setAttribute("aria-label", `${t("map")}: ${scene.name}`);
    }
    buildIncidents();
    buildComments();
    buildKpis();
    buildStudy();
    buildCharts();
    buildLegend();
    lastRulesKey = null;
    needsDraw = true;
    for (const f of listeners.lang) f(lang);
  }

  function buildIncidents() {
    const list = $("incidents");
    list.replaceChildren();
    const all = runs.flatMap((r) => r.incidents).sort((a, b) => a.t_ms - b.t_ms);
    if (all.length === 0) list.append(el("li", t("incidents.none"), "more"));
    for (const m of all) {
      const li = el("li");
      const b = el("button");
      b.type = "button";
      const what = el("span", null, "what");
      what.append(el("span", clock(runs[m.run], m.t_ms), "time"));
      if (runs.length > 1) what.append(el("span", "AB"[m.run]));
      what.append(el("span", named(m.kind_names)));
      if (m.severity) what.append(el("span", named(m.severity_names), `sev ${m.severity}`));
      b.append(what);
      const more = [];
      if (m.rule) more.push(`${t("incident.rule")}: ${named(m.rule.title)}`);
      if (m.value != null) {
        const unit = named(eventWord[m.kind]?.unit);
        more.push(`${t("incident.measured")} ${fmt(m.value, 1)} / ${t("incident.limit")} ${fmt(m.limit, 1)} ${unit}`.trim());
      }
      if (m.near) {
        const place = runs[m.run].scene.places.find((p) => p.name === m.near);
        more.push(`${t("incident.near")}: ${place ? place.label[lang] : m.near}`);
      }
      if (more.length) b.append(el("span", more.join(" · "), "more"));
      b.addEventListener("click", () => jumpTo(m.t_ms, m.at_m, m));
      m.button = b;
      li.append(b);
      list.append(li);
    }
  }

  function buildComments() {
    const list = $("comments");
    list.replaceChildren();
    const all = runs.flatMap((r) => r.comments.map((c) => ({ ...c, run: r.index })));
    if (all.length === 0) list.append(el("li", t("comments.none"), "who"));
    for (const c of all) {
      const li = el("li", null, c.depth > 0 ? "reply" : null);
      // The comment's moment is a button: it moves the time and the map to the pin.
      const who = el("span", null, "who");
      const go = el("button", clock(runs[c.run], c.t_ms));
      go.type = "button";
      go.setAttribute("aria-label", `${t("clock")} ${clock(runs[c.run], c.t_ms)}`);
      go.addEventListener("click", () => jumpTo(c.t_ms, c.at_m, null));
      const side = runs.length > 1 ? `${"AB"[c.run]} · ` : "";
      who.append(go, document.createTextNode(` ${side}${c.author} (${named(roleWord[c.role])})`));
      li.append(who);
      li.append(el("p", c.text ?? `${t("comment.hidden")}: ${c.hidden}`, "said"));
      list.append(li);
    }
  }

  /** The value of a dotted KPI key in a run's kpis.json, scaled for people. */
  function kpiValue(run, row) {
    const v = run.kpis ? row.key.split(".").reduce((o, k) => (o == null ? o : o[k]), run.kpis) : null;
    if (typeof v === "number") return v * row.scale;
    return row.counts ? (run.times[row.counts] ?? []).length : null;
  }

  function countSoFar(run, kind, tMs) {
    const times = run.times[kind] ?? [];
    return PzReplay.partition(times.length, (i) => times[i] <= tMs);
  }

  let soFarCells = [];

  function buildKpis() {
    const table = $("kpis");
    table.replaceChildren();
    const head = el("tr");
    head.append(el("th", ""));
    if (runs.length === 1) {
      head.append(el("th", t("kpi.so_far")), el("th", t("kpi.whole")));
    } else {
      head.append(el("th", "A"), el("th", "B"), el("th", `${t("kpi.difference")} (B − A)`));
    }
    const thead = el("thead");
    thead.append(head);
    const tbody = el("tbody");
    soFarCells = [];
    for (const row of data.kpi_rows) {
      const values = runs.map((r) => kpiValue(r, row));
      if (values.every((v) => v == null)) continue;
      const tr = el("tr");
      tr.append(el("th", named(row.names)));
      if (runs.length === 1) {
        const now = el("td", row.counts ? "" : "–");
        if (row.counts) soFarCells.push([now, row.counts]);
        tr.append(now, el("td", fmt(values[0], row.digits)));
      } else {
        const diff = values[0] != null && values[1] != null ? values[1] - values[0] : null;
        // A difference that rounds to nothing at the row's precision gets the digits to show it.
        let digits = row.digits;
        while (diff && digits < 3 && Math.round(Math.abs(diff) * 10 ** digits) === 0) digits += 1;
        const d = el("td", diff == null ? "–" : `${diff > 0 ? "+" : ""}${fmt(diff, digits)}`);
        if (diff) d.className = diff > 0 ? "up" : "down";
        tr.append(el("td", fmt(values[0], row.digits)), el("td", fmt(values[1], row.digits)), d);
      }
      tbody.append(tr);
    }
    table.append(thead, tbody);
    updateSoFar(true);
  }

  let lastSoFarS = null;
  function updateSoFar(force) {
    const s = Math.floor(state.tMs / 1000);
    if (!force && s === lastSoFarS) return;
    lastSoFarS = s;
    for (const [cell, kind] of soFarCells) cell.textContent = fmt(countSoFar(runs[0], kind, state.tMs));
  }

  function buildStudy() {
    const study = data.study;
    $("study").hidden = !study;
    if (!study) return;
    $("study-note").textContent = `A = ${study.baseline}, B = ${study.variant} · ${t("study.seeds")}: ${study.seeds}`;
    const table = $("study-table");
    table.replaceChildren();
    const head = el("tr");
    for (const h of ["", "A", "B", `${t("kpi.difference")} (B − A)`, t("study.interval")]) head.append(el("th", h));
    const thead = el("thead");
    thead.append(head);
    const tbody = el("tbody");
    const names = Object.fromEntries(data.kpi_rows.map((r) => [r.key, r.names]));
    let same = 0;
    for (const r of study.rows) {
      if (r.same) {
        same += 1;
        continue;
      }
      const tr = el("tr");
      tr.append(el("th", names[r.kpi] ? named(names[r.kpi]) : r.kpi));
      const interval = r.low != null && r.high != null ? `${r.low} … ${r.high}` : "–";
      for (const v of [r.baseline, r.variant, r.difference, interval]) tr.append(el("td", v ?? "–"));
      tbody.append(tr);
    }
    const foot = el("tr");
    const cell = el("td", `${t("study.same")}: ${same}`);
    cell.colSpan = 5;
    foot.append(cell);
    tbody.append(foot);
    table.append(thead, tbody);
  }

  let charts = [];
  function buildCharts() {
    const box = $("charts");
    box.replaceChildren();
    const incident = (k) => eventWord[k]?.incident;
    const specs =
      runs.length === 1
        ? [
            { label: [t("chart.requested"), t("chart.picked_up")], picks: [(k) => k === "request", (k) => k === "pickup"] },
            { label: [t("chart.delivered")], picks: [(k) => k === "deliver"] },
            { label: [t("chart.incidents")], picks: [incident] },
          ]
        : [
            { label: [t("chart.picked_up")], pick: (k) => k === "pickup" },
            { label: [t("chart.delivered")], pick: (k) => k === "deliver" },
            { label: [t("chart.incidents")], pick: incident },
          ];
    charts = specs.map((spec) => {
      const fig = el("figure", null, "chart");
      const cap = el("figcaption");
      const series =
        runs.length === 1
          ? spec.picks.map((p) => PzCharts.bins(runs[0].replay.events, p, state.durationMs))
          : runs.map((r) => PzCharts.bins(r.replay.events, spec.pick, state.durationMs));
      const keys = runs.length === 1 ? spec.label : runs.map((r) => `${"AB"[r.index]}: ${spec.label[0]}`);
      keys.forEach((k, i) => {
        const item = el("span");
        const sw = el("span", null, "swatch");
        sw.style.background = PzCharts.SERIES[i];
        item.append(sw, document.createTextNode(k));
        cap.append(item);
      });
      const canvas = el("canvas");
      canvas.setAttribute("role", "img");
      canvas.setAttribute("aria-label", keys.join(", "));
      fig.append(cap, canvas);
      box.append(fig);
      return new PzCharts.BarChart(canvas, series, state.durationMs, seek);
    });
  }

  function buildLegend() {
    const box = $("legend");
    box.replaceChildren();
    const legend = runs[0].scene.legend;
    const swatch = (colour, text, disc) => {
      const item = el("span");
      const sw = el("span", null, disc ? "swatch disc" : "swatch");
      sw.style.background = colour;
      item.append(sw, document.createTextNode(text));
      return item;
    };
    for (const [kind, style] of Object.entries(legend.kinds)) {
      box.append(el("span", named(style.names), "group"));
      for (const [key, s] of Object.entries(legend.statuses)) {
        if (s.kinds.includes(kind) && key !== "off_street") box.append(swatch(s.colour, named(s.names), style.body.shape === "disc"));
      }
    }
    box.append(el("span", t("word.zones"), "group"));
    for (const [kind, colour] of Object.entries(legend.zones)) box.append(swatch(colour, t(`zone.${kind}`)));
    box.append(swatch(legend.no_fly, t("word.no_fly")));
    box.append(swatch(legend.no_fly, t("legend.incident"), true));
    box.append(swatch("#0072b2", t("legend.comment"), true));
    box.append(el("span", t("legend.height"), "group"));
  }

  let lastRulesKey = null;
  function updateRules() {
    const run = runs[0];
    const tod = todS(run, state.tMs);
    const active = run.scene.rules.filter((r) => PzMap.holds(r, tod, run.scene.date));
    const key = active.map((r) => r.id).join("\u0000");
    if (key === lastRulesKey) return;
    lastRulesKey = key;
    const list = $("rules");
    list.replaceChildren();
    for (const r of active) {
      const kind = t(`rule.${r.kind}`);
      list.append(el("li", `${named(r.title)} (${kind})`));
    }
  }

  // ---- time ----

  function clamp(tMs) {
    return Math.min(Math.max(Math.round(tMs), 0), state.durationMs);
  }

  function seek(tMs) {
    state.tMs = clamp(tMs);
    needsDraw = true;
    return Promise.all(runs.map((r) => r.cursor.seek(Math.min(state.tMs, r.replay.duration)))).then(() => {
      needsDraw = true;
      return state.tMs;
    });
  }

  function jumpTo(tMs, atM, marker) {
    setPlaying(false);
    state.focus = marker;
    for (const r of runs) r.map.reveal(atM[0], atM[1]);
    return seek(tMs);
  }

  function setPlaying(on) {
    if (on && state.tMs >= state.durationMs && !state.backwards) state.tMs = 0;
    if (on && state.tMs <= 0 && state.backwards) state.tMs = state.durationMs;
    state.playing = on;
    lastWall = null;
    $("play").textContent = on ? t("pause") : t("play");
    $("play").setAttribute("aria-pressed", String(on));
  }

  function setSpeed(speed) {
    state.speed = speed;
    $("speed").value = String(speed);
  }

  function step(direction, ms) {
    setPlaying(false);
    const rec = runs[0].replay.header.recordMs;
    const target = ms
      ? state.tMs + direction * ms
      : direction > 0
        ? (Math.floor(state.tMs / rec) + 1) * rec
        : (Math.ceil(state.tMs / rec) - 1) * rec;
    return seek(target);
  }

  function nextIncident() {
    const all = runs.flatMap((r) => r.incidents).sort((a, b) => a.t_ms - b.t_ms);
    const next = all.find((m) => m.t_ms > state.tMs) ?? all[0];
    if (next) jumpTo(next.t_ms, next.at_m, next);
  }

  // ---- drawing ----

  function frame(wall) {
    if (state.playing) {
      if (lastWall != null) {
        const dt = Math.min(wall - lastWall, 250) * state.speed * (state.backwards ? -1 : 1);
        state.tMs = clamp(state.tMs + dt);
        if (state.tMs >= state.durationMs || state.tMs <= 0) setPlaying(false);
      }
      lastWall = wall;
      needsDraw = true;
    }
    if (needsDraw) draw();
    requestAnimationFrame(frame);
  }

  function draw() {
    needsDraw = false;
    if (state.focus && Math.abs(state.focus.t_ms - state.tMs) > NEAR_MS) state.focus = null;
    let waiting = false;
    for (const run of runs) {
      const tMs = Math.min(state.tMs, run.replay.duration);
      const f = run.replay.segments.length ? run.cursor.frameAt(tMs) : null;
      if (f) {
        run.agents = PzReplay.entityStates(run.replay, f);
        run.frameT = tMs;
        prefetch(run, tMs);
      } else if (run.replay.segments.length) {
        waiting = true;
        run.cursor.seek(tMs).then(() => (needsDraw = true), fail);
      }
      const tod = todS(run, state.tMs);
      const incidents = run.incidents.filter((m) => Math.abs(m.t_ms - state.tMs) <= NEAR_MS || m === state.focus);
      const comments = run.comments.map((c) => ({ ...c, near: Math.abs(c.t_ms - state.tMs) <= NEAR_MS }));
      if (pending && pending.run === run.index) comments.push({ at_m: pending.at, near: true });
      run.map.draw({ lang, todS: tod, agents: run.agents, incidents, comments, focus: state.focus, heat });
    }
    $("clock").textContent = clock(runs[0], state.tMs);
    const scrub = $("scrub");
    if (document.activeElement !== scrub || state.playing) scrub.value = String(state.tMs);
    for (const c of charts) c.draw(state.tMs);
    updateSoFar(false);
    updateRules();
    highlightNear();
    if (!waiting && firstFrameMs == null && runs.every((r) => r.frameT != null || !r.replay.segments.length)) {
      firstFrameMs = performance.now();
      resolveReady(firstFrameMs);
    }
  }

  /** Starts decoding the segment playback will need next, in the direction it goes. */
  function prefetch(run, tMs) {
    if (!state.playing) return;
    const seg = run.cursor.segmentIndex(tMs) + (state.backwards ? -1 : 2);
    if (seg >= 0 && seg < run.replay.segments.length) run.cursor.load(seg).catch(fail);
  }

  let lastNear = null;
  function highlightNear() {
    const all = runs.flatMap((r) => r.incidents);
    const near = all.filter((m) => Math.abs(m.t_ms - state.tMs) <= NEAR_MS || m === state.focus);
    const key = near.map((m) => `${m.run}:${m.t_ms}:${m.entity.id}`).join();
    if (key === lastNear) return;
    lastNear = key;
    for (const m of all) m.button?.classList.toggle("near", near.includes(m));
  }

  function fail(e) {
    hook.errors.push(String(e && e.message ? e.message : e));
    showBanner(`${t("unreadable")}: ${e && e.message ? e.message : e}`);
  }

  // ---- controls ----

  function wire() {
    const speed = $("speed");
    for (const s of SPEEDS) {
      const o = el("option", `×${s}`);
      o.value = String(s);
      speed.append(o);
    }
    setSpeed(state.speed);
    speed.addEventListener("change", () => setSpeed(Number(speed.value)));
    $("play").addEventListener("click", () => setPlaying(!state.playing));
    $("step-back").addEventListener("click", () => step(-1));
    $("step-forward").addEventListener("click", () => step(1));
    $("backwards").addEventListener("click", () => {
      state.backwards = !state.backwards;
      $("backwards").setAttribute("aria-pressed", String(state.backwards));
      lastWall = null;
    });
    const scrub = $("scrub");
    scrub.max = String(state.durationMs);
    scrub.step = String(runs[0].replay.header.recordMs);
    scrub.addEventListener("input", () => {
      state.focus = null;
      seek(Number(scrub.value));
    });
    $("lang").addEventListener("click", () => {
      lang = lang === "ja" ? "en" : "ja";
      applyLabels();
    });
    document.addEventListener("keydown", onKey);
    window.addEventListener("resize", () => {
      sizeMaps();
      view.changed();
      ticks.draw();
    });
  }

  function onKey(e) {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    const tag = e.target.tagName;
    // Sliders, menus and buttons keep their own keys; the rest are the player's.
    if (tag === "INPUT" || tag === "SELECT" || tag === "TEXTAREA") return;
    const onButton = tag === "BUTTON";
    const i = SPEEDS.indexOf(state.speed);
    switch (e.key) {
      case " ":
        if (onButton) return;
        setPlaying(!state.playing);
        break;
      case "ArrowLeft":
        step(-1, e.shiftKey ? 60000 : 0);
        break;
      case "ArrowRight":
        step(1, e.shiftKey ? 60000 : 0);
        break;
      case "[":
        setSpeed(SPEEDS[Math.max(i - 1, 0)]);
        break;
      case "]":
        setSpeed(SPEEDS[Math.min(i + 1, SPEEDS.length - 1)]);
        break;
      case "b":
      case "B":
        $("backwards").click();
        break;
      case "n":
      case "N":
        nextIncident();
        break;
      case "l":
      case "L":
        $("lang").click();
        break;
      default:
        return;
    }
    e.preventDefault();
  }

  let ticks = null;

  /** Map heights that show the whole town at the width the layout gives, within the screen. */
  function sizeMaps() {
    const narrow = window.innerWidth <= 900;
    const max = window.innerHeight * (narrow && runs.length > 1 ? 0.4 : narrow ? 0.6 : 0.72);
    for (const run of runs) run.canvas.style.height = `${run.map.idealHeight(200, max)}px`;
  }

  function buildMaps() {
    const box = $("maps");
    box.classList.toggle("two", runs.length > 1);
    for (const run of runs) {
      const fig = el("figure", null, "map");
      const cap = el("figcaption");
      const canvas = el("canvas");
      canvas.setAttribute("role", "img");
      const fit = el("button", null, "fit");
      fit.type = "button";
      fig.append(cap, canvas, fit);
      box.append(fig);
      run.caption = cap;
      run.canvas = canvas;
      run.fitButton = fit;
      run.map = new PzMap.MapView(canvas, run.scene, view, (key, l) => t(key, l), () => (needsDraw = true));
      fit.addEventListener("click", () => run.map.fit());
      run.map.onPick = (at) => {
        for (const f of listeners.pick) f({ run: run.index, at, tMs: state.tMs });
      };
    }
    sizeMaps();
    runs[0].map.fit();
  }

  async function start() {
    if (data.version !== 1) throw new Error(`page data version ${data.version} is not 1`);
    runs = await Promise.all(data.runs.map(openRun));
    state.durationMs = Math.max(...runs.map((r) => r.replay.duration));
    buildMaps();
    const marks = runs.flatMap((r) => [
      ...r.incidents.map((m) => ({ tMs: m.t_ms, colour: r.scene.legend.no_fly })),
      ...r.comments.map((c) => ({ tMs: c.t_ms, colour: "#0072b2", pin: true })),
    ]);
    ticks = new PzCharts.Ticks($("ticks"), state.durationMs, marks, (tMs) => seek(tMs));
    wire();
    applyLabels();
    await document.fonts.load('13px "PZ Noto Sans JP"', "地図あA");
    view.changed();
    ticks.draw();
    await seek(0);
    requestAnimationFrame(frame);
  }

  hook.time = () => state.tMs;
  hook.duration = () => state.durationMs;
  hook.playing = () => state.playing;
  hook.play = () => setPlaying(true);
  hook.pause = () => setPlaying(false);
  hook.seek = (tMs) =>
    seek(tMs).then(() => {
      draw();
      return state.tMs;
    });
  /** Every entity of run `i` as drawn now, as `pilotzone replay state --json` prints them. */
  hook.state = (i = 0) => runs[i].agents.map((a) => ({ ...a }));
  hook.firstFrameMs = () => firstFrameMs;
  /** Moves the time and the maps to a moment and a place, as a comment's or incident's button. */
  hook.jumpTo = (tMs, atM) => jumpTo(tMs, atM, null).then(() => draw());
  /** The runs shown: their titles and replay hashes, A first. */
  hook.runs = () => runs.map((r) => ({ title: r.title, replayHash: r.replay_hash }));
  /** The clock of run `i` at `tMs`, as the player shows it. */
  hook.clock = (tMs, i = 0) => clock(runs[i], tMs);
  hook.lang = () => lang;
  hook.speed = () => state.speed;
  hook.t = (key) => t(key);
  hook.role = (key) => named(roleWord[key]);
  /** Calls `f({ run, at, tMs })` when someone clicks a place on a map (not a drag). */
  hook.onPick = (f) => listeners.pick.push(f);
  /** Calls `f(lang)` after the language changes. */
  hook.onLang = (f) => listeners.lang.push(f);
  /** Shows (or, with `null`, clears) the pin of a comment being written. */
  hook.markPending = (i, at) => {
    pending = at ? { run: i, at } : null;
    needsDraw = true;
  };
  /** Shows (or, with `null`, hides) where comments were pinned: `{ cell_m, cells: [{ x_m, y_m, comments }] }`. */
  hook.showHeat = (h) => {
    heat = h;
    needsDraw = true;
  };
  Object.freeze(hook);

  labelFrame();
  start().catch((e) => {
    fail(e);
    resolveReady(null);
  });
})();
