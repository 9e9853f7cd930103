// The deliberation card of a study page served by `pilotzone serve`: who you are, a comment
// pinned to the place you click on the map and the moment shown, replies, support or concern
// for each option with a reason, and for officials hiding a comment with a reason and the audit
// log. With `?follow=1` the page follows the meeting's presenter; an official or researcher can
// present. It talks to its own service only (the page's policy allows `connect-src 'self'`),
// and every word from the service goes into the page as text.
(() => {
  "use strict";

  const $ = (id) => document.getElementById(id);
  const live = JSON.parse($("pz-data").textContent).live;
  if (!live) return;
  const hook = window.pilotzone;
  const t = (key) => hook.t(key);
  const api = `/api/studies/${encodeURIComponent(live.study)}`;
  const params = new URLSearchParams(location.search);
  const followMode = params.get("follow") === "1";

  let me = null;
  let pin = null;
  let replyTo = null;
  let comments = [];
  let votes = { tally: [], mine: [] };

  function el(tag, text, cls) {
    const e = document.createElement(tag);
    if (text != null) e.textContent = text;
    if (cls) e.className = cls;
    return e;
  }

  function button(label, onClick, cls = "quiet") {
    const b = el("button", label, cls);
    b.type = "button";
    b.addEventListener("click", onClick);
    return b;
  }

  /** A request to the service; its error message when it refuses. */
  async function call(method, path, body) {
    const headers = { "x-pz-csrf": me?.csrf ?? "page" };
    if (body !== undefined) headers["content-type"] = "application/json";
    const r = await fetch(path, {
      method,
      headers,
      credentials: "same-origin",
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = (r.headers.get("content-type") ?? "").startsWith("application/json") ? await r.json() : null;
    if (!r.ok) {
      const e = new Error(json?.error?.message ?? String(r.status));
      e.code = json?.error?.code;
      throw e;
    }
    return json;
  }

  /** What the service's refusals mean, in the page's language; its own words (English) follow. */
  const REFUSALS = {
    invalid: () => t("talk.refused.invalid"),
    too_large: () => t("talk.refused.too_large"),
    csrf: () => t("talk.refused.csrf"),
    unauthenticated: () => t("talk.refused.unauthenticated"),
    forbidden: () => t("talk.refused.forbidden"),
    rate_limited: () => t("talk.refused.rate_limited"),
    database: () => t("talk.refused.database"),
  };

  /** A name with its role, as each language writes it: 「Aiko（住民）」, "Aiko (resident)". */
  const speaker = (name, role) => (hook.lang() === "ja" ? `${name}（${role}）` : `${name} (${role})`);

  function showError(e) {
    const box = $("talk-error");
    if (!e) return (box.textContent = "");
    const said = REFUSALS[e.code]?.();
    box.textContent = `${t("talk.failed")}: ${said ? `${said} (${e.message})` : e.message ?? e}`;
  }
  const place = (at) => `(${at[0].toFixed(0)} m, ${at[1].toFixed(0)} m)`;
  const shown = (option) => live.options.indexOf(option);
  const isOfficial = () => me?.role === "official";

  // ---- which runs ----

  /** The option, comparison and seed choosers; showing another opens that page. */
  function renderView() {
    const fill = (select, values, current, none) => {
      select.replaceChildren();
      if (none) select.append(new Option(t("talk.none"), ""));
      for (const v of values) select.append(new Option(String(v), String(v), false, String(v) === String(current)));
    };
    fill($("talk-option"), live.allOptions, live.options[0], false);
    fill($("talk-compare"), live.allOptions, live.options[1] ?? "", true);
    fill($("talk-seed"), live.seeds, live.seed, false);
  }

  function showRuns(e) {
    e.preventDefault();
    const url = new URL(location.pathname, location.origin);
    url.searchParams.set("option", $("talk-option").value);
    if ($("talk-compare").value && $("talk-compare").value !== $("talk-option").value) {
      url.searchParams.set("compare", $("talk-compare").value);
    }
    url.searchParams.set("seed", $("talk-seed").value);
    url.searchParams.set("t", String(Math.round(hook.time())));
    url.searchParams.set("lang", hook.lang());
    for (const mode of ["present", "follow"]) if (params.get(mode) === "1") url.searchParams.set(mode, "1");
    location.assign(url.toString());
  }

  // ---- who ----

  function renderWho() {
    const who = $("talk-who");
    who.replaceChildren();
    if (me) {
      who.append(el("span", speaker(me.name, hook.role(me.role))));
      who.append(" ", button(t("talk.sign_out"), signOut));
    } else {
      who.append(el("span", t("talk.join_hint")), " ");
      const a = el("a", t("talk.sign_in"));
      a.href = `/signin?next=${encodeURIComponent(location.pathname + location.search)}`;
      who.append(a);
    }
    $("talk-form").hidden = !me || (me.study != null && me.study !== live.study);
    $("talk-official").hidden = !isOfficial();
  }

  async function signOut() {
    try {
      await call("POST", "/api/logout", {});
    } catch (e) {
      showError(e);
    }
    location.reload();
  }

  // ---- the comment being written ----

  function renderPin() {
    const p = $("talk-pin");
    if (!pin) {
      p.textContent = t("talk.pick");
      return;
    }
    const side = live.options.length > 1 ? `${"AB"[pin.run]}: ` : "";
    p.textContent = `${t("talk.pin")}: ${side}${live.options[pin.run]} · ${t("seed")} ${live.seed} · ${hook.clock(pin.tMs, pin.run)} · ${place(pin.at)}`;
    const r = $("talk-reply");
    r.hidden = !replyTo;
    if (replyTo) $("talk-reply-to").textContent = `${t("talk.replying")}: ${speaker(replyTo.author, hook.role(replyTo.role))}`;
  }

  function choose(run, at, tMs) {
    pin = { run, at, tMs };
    hook.markPending(run, at);
    renderPin();
  }

  async function send(e) {
    e.preventDefault();
    showError(null);
    const text = $("talk-text").value;
    if (!pin) return showError(new Error(t("talk.need_pin")));
    if (!text.trim()) return showError(new Error(t("talk.need_text")));
    $("talk-send").disabled = true;
    try {
      const c = await call("POST", `${api}/comments`, {
        reply_to: replyTo?.id ?? null,
        option: live.options[pin.run],
        seed: live.seed,
        t_ms: Math.round(pin.tMs),
        place: pin.at,
        text,
      });
      // Open the page again at the new comment: its pin comes back from the record.
      const url = new URL(location.href);
      url.searchParams.set("t", String(c.t_ms));
      url.searchParams.set("x", c.place[0].toFixed(1));
      url.searchParams.set("y", c.place[1].toFixed(1));
      url.searchParams.set("lang", hook.lang());
      url.hash = `comment-${c.id}`;
      if (url.search === location.search) {
        history.replaceState(null, "", url.toString());
        location.reload();
      } else {
        location.assign(url.toString());
      }
    } catch (err) {
      showError(err);
      $("talk-send").disabled = false;
    }
  }

  // ---- comments ----

  /** Comments in reading order: each thread under its first comment. */
  function threads() {
    const children = new Map();
    for (const c of comments) {
      const k = c.reply_to ?? 0;
      if (!children.has(k)) children.set(k, []);
      children.get(k).push(c);
    }
    const out = [];
    const walk = (k, depth) => {
      for (const c of children.get(k) ?? []) {
        out.push({ c, depth });
        if (depth < 8) walk(c.id, depth + 1);
      }
    };
    walk(0, 0);
    return out;
  }

  function renderComments() {
    const list = $("talk-comments");
    list.replaceChildren();
    if (comments.length === 0) list.append(el("li", t("comments.none"), "who"));
    for (const { c, depth } of threads()) {
      const li = el("li", null, depth > 0 ? "reply" : null);
      li.id = `comment-${c.id}`;
      const who = el("span", null, "who");
      const run = shown(c.option);
      if (run >= 0 && c.seed === live.seed) {
        const go = button(hook.clock(c.t_ms, run), () => hook.jumpTo(c.t_ms, c.place), "");
        go.setAttribute("aria-label", `${t("clock")} ${hook.clock(c.t_ms, run)}`);
        who.append(go);
      } else {
        const a = el("a", `${c.option} · ${t("seed")} ${c.seed}`);
        a.href = c.link;
        who.append(a);
      }
      const side = live.options.length > 1 && run >= 0 && c.seed === live.seed ? `${"AB"[run]} · ` : "";
      who.append(` ${side}${speaker(c.author, hook.role(c.role))}`);
      li.append(who);
      if (c.text != null) li.append(el("p", c.text, "said"));
      if (c.hidden) li.append(el("p", `${t("comment.hidden")} — ${c.hidden.by}: ${c.hidden.reason}`, "hidden-note"));
      const actions = el("div", null, "talk-actions");
      if (me && !$("talk-form").hidden && !c.hidden) {
        actions.append(
          button(t("talk.reply"), () => {
            replyTo = c;
            if (run >= 0 && c.seed === live.seed) choose(run, c.place, c.t_ms);
            renderPin();
            $("talk-text").focus();
          }),
        );
      }
      if (isOfficial()) actions.append(moderation(c));
      if (actions.childElementCount) li.append(actions);
      list.append(li);
    }
    if (location.hash.startsWith("#comment-")) $(location.hash.slice(1))?.scrollIntoView({ block: "nearest" });
  }

  /** An official's control: a reason and the button that hides (or restores) the comment. */
  function moderation(c) {
    const box = el("span", null, "talk-actions");
    const reason = el("input");
    reason.type = "text";
    reason.maxLength = 500;
    reason.placeholder = t("talk.reason");
    reason.setAttribute("aria-label", t("talk.reason"));
    const act = c.hidden ? "restore" : "hide";
    const go = button(c.hidden ? t("talk.restore") : t("talk.hide"), async () => {
      showError(null);
      try {
        await call("POST", `${api}/comments/${c.id}/${act}`, { reason: reason.value });
        await refresh();
        if (!$("talk-audit").hidden) await showAudit();
      } catch (e) {
        showError(e);
      }
    });
    box.append(reason, go);
    return box;
  }

  // ---- support and concern ----

  function renderVotes() {
    const box = $("talk-votes");
    box.replaceChildren();
    for (const option of live.allOptions) {
      const card = el("div", null, "talk-vote");
      const rows = votes.tally.filter((r) => r.option === option);
      const sum = (k) => rows.reduce((n, r) => n + r[k], 0);
      const head = el("p");
      head.append(el("strong", option), ` · ${t("talk.support")} ${sum("support")} · ${t("talk.concern")} ${sum("concern")}`);
      card.append(head);
      const byRole = rows
        .filter((r) => r.support + r.concern > 0)
        .map((r) => `${hook.role(r.role)}: ${t("talk.support")} ${r.support} · ${t("talk.concern")} ${r.concern}`);
      if (byRole.length) card.append(el("p", byRole.join(" · "), "note"));
      if (me && !$("talk-form").hidden) {
        const mine = votes.mine.find((v) => v.option === option);
        const reason = el("input");
        reason.type = "text";
        reason.maxLength = 500;
        reason.value = mine?.reason ?? "";
        reason.placeholder = t("talk.why");
        reason.setAttribute("aria-label", `${option}: ${t("talk.why")}`);
        const row = el("div", null, "row");
        for (const stance of ["support", "concern"]) {
          const b = button(stance === "support" ? t("talk.support") : t("talk.concern"), async () => {
            showError(null);
            try {
              await call("PUT", `${api}/votes/${encodeURIComponent(option)}`, { stance, reason: reason.value });
              await refresh();
            } catch (e) {
              showError(e);
            }
          }, "");
          b.setAttribute("aria-pressed", String(mine?.stance === stance));
          row.append(b);
        }
        card.append(reason, row);
      }
      box.append(card);
    }
  }

  // ---- audit ----

  async function showAudit() {
    const list = $("talk-audit");
    list.hidden = false;
    list.replaceChildren();
    try {
      for (const a of await call("GET", `${api}/audit`)) {
        const change = [a.before, a.after].filter((v) => v != null).join(" → ");
        list.append(el("li", `${a.at} ${speaker(a.actor, hook.role(a.actor_role) || a.actor_role)} ${a.action} #${a.target}${change ? `: ${change}` : ""}`));
      }
    } catch (e) {
      showError(e);
    }
  }

  // ---- the summary for officials and researchers ----

  let heatShown = false;
  let summary = null;

  async function renderSummary() {
    const box = $("talk-summary");
    box.hidden = !(me && (me.role === "official" || me.role === "researcher"));
    if (box.hidden) return;
    summary = await call("GET", `${api}/summary`);
    const hours = summary.by_hour.map((n, h) => [h, n]).filter(([, n]) => n > 0);
    $("talk-hours").textContent = `${t("talk.by_hour")}: ${hours.map(([h, n]) => `${String(h).padStart(2, "0")}:00 ${n}`).join(" · ") || "–"}`;
    const table = $("talk-roles");
    table.replaceChildren();
    const head = el("tr");
    head.append(el("th", ""));
    for (const o of live.allOptions) head.append(el("th", o));
    table.append(head);
    for (const role of ["resident", "business", "official", "researcher"]) {
      const tr = el("tr");
      tr.append(el("th", hook.role(role)));
      for (const o of live.allOptions) {
        const v = summary.votes.find((r) => r.option === o && r.role === role);
        tr.append(el("td", `${t("talk.support")} ${v?.support ?? 0} / ${t("talk.concern")} ${v?.concern ?? 0}`));
      }
      table.append(tr);
    }
    const exports = $("talk-exports");
    exports.replaceChildren(el("span", `${t("talk.export")}:`));
    if (me.role === "official") {
      for (const name of ["export.json", "export/comments.csv", "export/votes.csv", "export/audit.csv"]) {
        const a = el("a", name.replace("export/", ""));
        a.href = `${api}/${name}`;
        a.download = "";
        exports.append(a);
      }
    }
    exports.hidden = me.role !== "official";
    if (heatShown) hook.showHeat(summary.heat);
  }

  function toggleHeat() {
    heatShown = !heatShown;
    $("talk-heat").setAttribute("aria-pressed", String(heatShown));
    hook.showHeat(heatShown && summary ? summary.heat : null);
  }

  // ---- meeting mode ----

  /** Follows the presenter: the same option and seed (another page), the same moment. */
  function follow() {
    const events = new EventSource(`${api}/meeting`);
    events.addEventListener("state", async (e) => {
      const s = JSON.parse(e.data);
      const want = [s.option, s.compare].filter(Boolean);
      if (want.join() !== live.options.join() || s.seed !== live.seed) {
        const url = new URL(location.href);
        url.searchParams.set("option", s.option);
        if (s.compare) url.searchParams.set("compare", s.compare);
        else url.searchParams.delete("compare");
        url.searchParams.set("seed", String(s.seed));
        url.searchParams.set("t", String(s.t_ms));
        location.replace(url.toString());
        return;
      }
      hook.pause();
      await hook.seek(s.t_ms);
      if (s.playing) hook.play();
    });
  }

  /** While presenting, sends where the player is whenever it moves other than by playing. */
  function present() {
    let last = null;
    setInterval(async () => {
      const now = { tMs: hook.time(), playing: hook.playing(), at: performance.now() };
      const expected = last && last.playing ? last.tMs + (now.at - last.at) * hook.speed() : last?.tMs;
      if (last && now.playing === last.playing && Math.abs(now.tMs - expected) < 3000) return;
      last = now;
      try {
        await call("POST", `${api}/meeting`, {
          option: live.options[0],
          compare: live.options[1] ?? null,
          seed: live.seed,
          t_ms: Math.round(now.tMs),
          playing: now.playing,
          speed: hook.speed(),
        });
      } catch (e) {
        showError(e);
      }
    }, 1000);
  }

  // ---- start ----

  async function refresh() {
    [comments, votes] = await Promise.all([call("GET", `${api}/comments`), call("GET", `${api}/votes`)]);
    renderComments();
    renderVotes();
    await renderSummary();
  }

  function renderAll() {
    renderView();
    renderWho();
    renderPin();
    renderComments();
    renderVotes();
    renderSummary().catch(showError);
  }

  /** The panel shows at once; it is busy (for screen readers and tests alike) until who is
   * signed in, the comments and the moment the link names are all in place, or loading failed
   * and says why. */
  function settled() {
    $("talk").setAttribute("aria-busy", "false");
  }

  async function start() {
    await hook.ready;
    $("talk").hidden = false;
    $("comments-card").hidden = true;
    me = await call("GET", "/api/me");
    hook.onPick(({ run, at, tMs }) => {
      if (me) choose(run, at, tMs);
    });
    hook.onLang(renderAll);
    $("talk-form").addEventListener("submit", send);
    $("talk-view").addEventListener("submit", showRuns);
    renderView();
    $("talk-reply-cancel").addEventListener("click", () => {
      replyTo = null;
      renderPin();
    });
    $("talk-audit-open").addEventListener("click", showAudit);
    $("talk-heat").addEventListener("click", toggleHeat);
    renderWho();
    renderPin();
    await refresh();
    const at = ["t", "x", "y"].map((k) => Number(params.get(k)));
    if (params.has("x") && at.every(Number.isFinite)) await hook.jumpTo(at[0], [at[1], at[2]]);
    else if (params.has("t") && Number.isFinite(at[0])) await hook.seek(at[0]);
    if (followMode) follow();
    else if (me && (me.role === "official" || me.role === "researcher") && params.get("present") === "1") present();
  }

  start()
    .catch(showError)
    .finally(settled);
})();
