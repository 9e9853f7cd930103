// The map: the scene crate's town drawn top-down on a canvas (roads, crossings, buildings,
// zones, no-fly volumes, places), and on it a frame's agents in their status colours, drones
// with their height, incident markers and comment pins. Geometry comes whole from the scene;
// nothing here derives it. The town is drawn once into a layer and only redrawn when the view
// or the language changes; each frame draws what moves over it.
const PzMap = (() => {
  "use strict";

  const INK = "#1f2328";
  const LAND = "#f1efe8";
  const ROAD = "#ffffff";
  const ROAD_EDGE = "#c9c3b6";
  const BUILDING = "#dcd7cc";
  const BUILDING_EDGE = "#bdb6a6";
  const PIN = "#0072b2";
  const FONT = '"PZ Noto Sans JP", system-ui, sans-serif';
  // Agents are drawn at least this large in CSS pixels, so a zoomed-out phone shows every one.
  const MIN_CAR_PX = [12, 6];
  const MIN_DISC_PX = { drone: 6, person: 3.5 };

  const dm = (v) => v / 10;

  /** A time of day (s after midnight) inside a scene window, as the scenario's `Hours` says. */
  function inWindow(w, todS) {
    const t = ((todS % 86400) + 86400) % 86400;
    const from = w.from_s % 86400;
    return from <= w.to_s ? from <= t && t < w.to_s : t >= from || t < w.to_s;
  }

  /** Whether a rule or no-fly volume holds at `todS` on the scene's date. */
  function holds(item, todS, date) {
    const dates = item.dates ?? [];
    const onDay = dates.length === 0 || (date != null && dates.some((r) => r.from <= date && date <= r.to));
    return onDay && (item.hours == null || inWindow(item.hours, todS));
  }

  /** A shared view: centre (m) and zoom over the fit scale, so side-by-side maps move together. */
  class View {
    constructor() {
      this.cx = 0;
      this.cy = 0;
      this.zoom = 1;
      this.maps = [];
    }
    changed() {
      for (const m of this.maps) m.invalidate();
    }
  }

  class MapView {
    /**
     * `scene` is the scene crate's JSON, `view` a shared View, `words(key)` a label lookup in the
     * current language, `onRedraw` asks the player to draw again.
     */
    constructor(canvas, scene, view, words, onRedraw) {
      this.canvas = canvas;
      this.scene = scene;
      this.view = view;
      this.words = words;
      this.onRedraw = onRedraw;
      /** Called with a place in metres when the map is clicked; set by the player. */
      this.onPick = null;
      this.layer = document.createElement("canvas");
      this.layerKey = null;
      this.lang = "ja";
      view.maps.push(this);
      const b = scene.bounds;
      this.bounds = { x0: dm(b.min[0]), y0: dm(b.min[1]), x1: dm(b.max[0]), y1: dm(b.max[1]) };
      this.listen();
    }

    invalidate() {
      this.layerKey = null;
      this.onRedraw();
    }

    /** The height that shows the whole town at this width, within `[min, max]` CSS px. */
    idealHeight(min, max) {
      const b = this.bounds;
      const h = (this.canvas.clientWidth * (b.y1 - b.y0)) / Math.max(b.x1 - b.x0, 1) / 0.94;
      return Math.round(Math.min(Math.max(h, min), max));
    }

    fitScale() {
      const b = this.bounds;
      const w = this.canvas.clientWidth;
      const h = this.canvas.clientHeight;
      return Math.min(w / Math.max(b.x1 - b.x0, 1), h / Math.max(b.y1 - b.y0, 1)) * 0.94;
    }

    scale() {
      return this.fitScale() * this.view.zoom;
    }

    fit() {
      const b = this.bounds;
      this.view.cx = (b.x0 + b.x1) / 2;
      this.view.cy = (b.y0 + b.y1) / 2;
      this.view.zoom = 1;
      this.view.changed();
    }

    /** Screen position (CSS px) of a point in metres. */
    sx(x) {
      return (x - this.view.cx) * this.scale() + this.canvas.clientWidth / 2;
    }
    sy(y) {
      return this.canvas.clientHeight / 2 - (y - this.view.cy) * this.scale();
    }

    /** Moves the centre to a point unless it is already well inside the view. */
    reveal(x, y) {
      const [px, py] = [this.sx(x), this.sy(y)];
      const [w, h] = [this.canvas.clientWidth, this.canvas.clientHeight];
      if (px < w * 0.15 || px > w * 0.85 || py < h * 0.15 || py > h * 0.85) {
        this.view.cx = x;
        this.view.cy = y;
        this.view.changed();
      }
    }

    listen() {
      const c = this.canvas;
      const pointers = new Map();
      let pinch = null;
      // A press released where it began is a click on a place; anything more is a drag.
      let press = null;
      c.addEventListener("pointerdown", (e) => {
        c.setPointerCapture(e.pointerId);
        pointers.set(e.pointerId, [e.offsetX, e.offsetY]);
        press = pointers.size === 1 ? [e.offsetX, e.offsetY] : null;
      });
      const up = (e) => {
        if (e.type === "pointerup" && press && Math.hypot(e.offsetX - press[0], e.offsetY - press[1]) < 5 && this.onPick) {
          const s = this.scale();
          this.onPick([
            this.view.cx + (e.offsetX - c.clientWidth / 2) / s,
            this.view.cy - (e.offsetY - c.clientHeight / 2) / s,
          ]);
        }
        press = null;
        pointers.delete(e.pointerId);
        pinch = null;
      };
      c.addEventListener("pointerup", up);
      c.addEventListener("pointercancel", up);
      c.addEventListener("pointermove", (e) => {
        const last = pointers.get(e.pointerId);
        if (!last) return;
        const now = [e.offsetX, e.offsetY];
        pointers.set(e.pointerId, now);
        if (pointers.size === 2) {
          const [a, b] = [...pointers.values()];
          const span = Math.hypot(a[0] - b[0], a[1] - b[1]);
          if (pinch) this.zoomAt((a[0] + b[0]) / 2, (a[1] + b[1]) / 2, span / pinch);
          pinch = span;
          return;
        }
        const s = this.scale();
        this.view.cx -= (now[0] - last[0]) / s;
        this.view.cy += (now[1] - last[1]) / s;
        this.view.changed();
      });
      c.addEventListener(
        "wheel",
        (e) => {
          e.preventDefault();
          this.zoomAt(e.offsetX, e.offsetY, Math.exp(-e.deltaY * 0.0015));
        },
        { passive: false },
      );
      c.addEventListener("dblclick", () => this.fit());
    }

    zoomAt(px, py, factor) {
      const s = this.scale();
      const x = this.view.cx + (px - this.canvas.clientWidth / 2) / s;
      const y = this.view.cy - (py - this.canvas.clientHeight / 2) / s;
      this.view.zoom = Math.min(Math.max(this.view.zoom * factor, 0.5), 40);
      const s2 = this.scale();
      this.view.cx = x - (px - this.canvas.clientWidth / 2) / s2;
      this.view.cy = y + (py - this.canvas.clientHeight / 2) / s2;
      this.view.changed();
    }

    /** Sizes both canvases to the element's box at the screen's pixel density. */
    size(canvas, ratio) {
      const w = Math.round(this.canvas.clientWidth * ratio);
      const h = Math.round(this.canvas.clientHeight * ratio);
      if (canvas.width !== w || canvas.height !== h) {
        canvas.width = w;
        canvas.height = h;
      }
      const ctx = canvas.getContext("2d");
      ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
      return ctx;
    }

    path(ctx, points) {
      ctx.beginPath();
      points.forEach((p, i) => (i ? ctx.lineTo : ctx.moveTo).call(ctx, this.sx(dm(p[0])), this.sy(dm(p[1]))));
    }

    /** The town without what changes with time. */
    drawLayer(lang) {
      const ratio = window.devicePixelRatio || 1;
      const key = [lang, this.view.cx, this.view.cy, this.view.zoom, this.canvas.clientWidth, this.canvas.clientHeight, ratio].join();
      if (key === this.layerKey) return;
      this.layerKey = key;
      const ctx = this.size(this.layer, ratio);
      const { scene } = this;
      const s = this.scale();
      ctx.fillStyle = LAND;
      ctx.fillRect(0, 0, this.canvas.clientWidth, this.canvas.clientHeight);
      for (const z of scene.zones) {
        const colour = scene.legend.zones[z.kind] ?? "#999999";
        this.path(ctx, z.polygon);
        ctx.closePath();
        ctx.globalAlpha = 0.16;
        ctx.fillStyle = colour;
        ctx.fill();
        ctx.globalAlpha = 0.55;
        ctx.strokeStyle = colour;
        ctx.lineWidth = 1.5;
        ctx.stroke();
        ctx.globalAlpha = 1;
      }
      ctx.fillStyle = BUILDING;
      ctx.strokeStyle = BUILDING_EDGE;
      ctx.lineWidth = 1;
      for (const b of scene.buildings) {
        this.path(ctx, b.footprint);
        ctx.closePath();
        ctx.fill();
        ctx.stroke();
      }
      ctx.lineCap = "round";
      ctx.lineJoin = "round";
      for (const [colour, extra] of [[ROAD_EDGE, 2], [ROAD, 0]]) {
        ctx.strokeStyle = colour;
        for (const r of scene.roads) {
          ctx.lineWidth = Math.max(dm(r.width_dm) * s, 2.5) + extra;
          this.path(ctx, r.points);
          ctx.stroke();
        }
      }
      // Centre lines once a two-way road is wide enough on screen to hold one.
      ctx.setLineDash([6, 6]);
      ctx.strokeStyle = "#d6cfbf";
      ctx.lineWidth = 1;
      for (const r of scene.roads) {
        if (r.one_way || dm(r.width_dm) * s < 14) continue;
        this.path(ctx, r.points);
        ctx.stroke();
      }
      ctx.setLineDash([]);
      for (const c of scene.crossings) this.drawCrossing(ctx, c, s);
      this.drawPlaces(ctx, lang, s);
    }

    drawCrossing(ctx, c, s) {
      const road = this.scene.roads[c.road];
      const across = Math.max(dm(road ? road.width_dm : 70) * s, 3);
      const along = Math.max(dm(c.width_dm) * s * 0.35, 3);
      ctx.save();
      ctx.translate(this.sx(dm(c.centre[0])), this.sy(dm(c.centre[1])));
      ctx.rotate(-c.along_rad);
      ctx.fillStyle = "#8f8a80";
      ctx.fillRect(-along / 2, -across / 2, along, across);
      ctx.fillStyle = "#ffffff";
      const stripes = Math.max(Math.floor(across / 3), 1);
      for (let i = 0; i < stripes; i += 2) ctx.fillRect(-along / 2, -across / 2 + (i * across) / stripes, along, across / stripes);
      ctx.restore();
    }

    /** Places with their names; a name that would cover one already drawn is left out. */
    drawPlaces(ctx, lang, s) {
      const taken = [];
      // A small map (two side by side on a phone) names fewer places, in smaller type.
      const small = this.canvas.clientWidth < 320;
      ctx.font = `${small ? 11 : 13}px ${FONT}`;
      ctx.textBaseline = "middle";
      // Depots, vertiports and public places first; homes only once the map is near enough.
      const order = [...this.scene.places].sort((a, b) => (a.kind === "home") - (b.kind === "home"));
      for (const p of order) {
        const [x, y] = [this.sx(dm(p.at[0])), this.sy(dm(p.at[1]))];
        const special = p.kind === "depot" || p.kind === "vertiport";
        ctx.fillStyle = special ? INK : "#6d6a63";
        ctx.beginPath();
        if (special) ctx.rect(x - 5, y - 5, 10, 10);
        else ctx.arc(x, y, 3.5, 0, Math.PI * 2);
        ctx.fill();
        if (p.kind === "home" && (s < 0.9 || small)) continue;
        const text = p.label[lang];
        const w = ctx.measureText(text).width;
        // A name that would run off the right edge goes to the left of its place.
        const left = x + 12 + w > this.canvas.clientWidth ? Math.max(x - 12 - w, 2) : x + 8;
        const box = [left, y - 9, left + w + 4, y + 9];
        if (taken.some((t) => box[0] < t[2] && t[0] < box[2] && box[1] < t[3] && t[1] < box[3])) continue;
        taken.push(box);
        ctx.lineWidth = 4;
        ctx.strokeStyle = "rgba(255,255,255,0.9)";
        ctx.strokeText(text, left + 1, y);
        ctx.fillStyle = INK;
        ctx.fillText(text, left + 1, y);
      }
    }

    /** Draws the town at `todS` and `agents` (from PzReplay.entityStates) over it. */
    draw({ lang, todS, agents, incidents, comments, focus, heat }) {
      this.drawLayer(lang);
      const ratio = window.devicePixelRatio || 1;
      const ctx = this.size(this.canvas, ratio);
      ctx.setTransform(1, 0, 0, 1, 0, 0);
      ctx.drawImage(this.layer, 0, 0);
      ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
      const { scene } = this;
      const s = this.scale();
      // Where people pinned comments (an official's summary): squares darker with more.
      if (heat && heat.cells.length) {
        const most = Math.max(...heat.cells.map((c) => c.comments));
        ctx.fillStyle = "#d55e00";
        for (const c of heat.cells) {
          ctx.globalAlpha = 0.15 + 0.5 * (c.comments / most);
          const [x, y] = [this.sx(c.x_m), this.sy(c.y_m + heat.cell_m)];
          ctx.fillRect(x, y, heat.cell_m * s, heat.cell_m * s);
        }
        ctx.globalAlpha = 1;
      }
      // Rules that hold now: closed roads and the no-fly volumes in force.
      ctx.lineCap = "butt";
      ctx.strokeStyle = scene.legend.no_fly;
      ctx.setLineDash([5, 4]);
      for (const r of scene.rules) {
        if (r.kind !== "road_closure" || !holds(r, todS, scene.date)) continue;
        ctx.lineWidth = 3;
        for (const i of r.roads) this.path(ctx, scene.roads[i].points), ctx.stroke();
      }
      ctx.setLineDash([]);
      for (const v of scene.no_fly) {
        const on = holds(v, todS, scene.date);
        this.path(ctx, v.polygon);
        ctx.closePath();
        ctx.strokeStyle = scene.legend.no_fly;
        if (on) {
          ctx.globalAlpha = 0.16;
          ctx.fillStyle = scene.legend.no_fly;
          ctx.fill();
          ctx.globalAlpha = 1;
          ctx.lineWidth = 2;
        } else {
          ctx.globalAlpha = 0.5;
          ctx.lineWidth = 1;
          ctx.setLineDash([3, 4]);
        }
        ctx.stroke();
        ctx.setLineDash([]);
        ctx.globalAlpha = 1;
      }
      // Heights are written by each drone while they can be read: near, or with few in the air.
      const flying = agents.filter((a) => a.kind === "drone" && a.z_m >= 1).length;
      const heights = s >= 0.8 || flying <= 40;
      this.drawAgents(ctx, agents, s, heights);
      for (const c of comments) this.drawPin(ctx, c.at_m[0], c.at_m[1], c.near);
      for (const m of incidents) this.drawIncident(ctx, m.at_m[0], m.at_m[1], m === focus);
      if (scene.attribution) this.drawAttribution(ctx, lang);
    }

    /**
     * Every agent, batched by colour so a town of a thousand costs a few dozen fills, not
     * thousands: ground shadows and lines of drones first, then bodies, then drone heights.
     */
    drawAgents(ctx, agents, s, heights) {
      const legend = this.scene.legend;
      const groups = new Map();
      const drones = [];
      for (const a of agents) {
        if (a.status === "off_street") continue;
        const colour = legend.statuses[a.status]?.colour ?? legend.unknown_status;
        if (!groups.has(colour)) groups.set(colour, { car: [], taxi: [], person: [], drone: [] });
        const body = legend.kinds[a.kind]?.body ?? { length_m: 1, width_m: 1, shape: "disc" };
        const item = { a, x: this.sx(a.x_m), y: this.sy(a.y_m), body };
        if (a.kind === "drone") {
          // Seen from above a drone sits over its shadow; the line to it and the number say how high.
          item.lift = Math.min(a.z_m * 0.25, 24);
          drones.push(item);
        }
        (groups.get(colour)[a.kind] ?? groups.get(colour).car).push(item);
      }
      const disc = (item, min, lift = 0) => {
        const r = Math.max((item.body.length_m * s) / 2, min);
        ctx.moveTo(item.x + r, item.y - lift);
        ctx.arc(item.x, item.y - lift, r, 0, Math.PI * 2);
        return r;
      };
      ctx.fillStyle = "rgba(31,35,40,0.18)";
      ctx.beginPath();
      for (const d of drones) {
        const r = Math.max((d.body.length_m * s) / 2, MIN_DISC_PX.drone);
        ctx.moveTo(d.x + r, d.y);
        ctx.ellipse(d.x, d.y, r, r * 0.6, 0, 0, Math.PI * 2);
      }
      ctx.fill();
      ctx.strokeStyle = "rgba(31,35,40,0.45)";
      ctx.lineWidth = 1;
      ctx.beginPath();
      for (const d of drones) {
        ctx.moveTo(d.x, d.y);
        ctx.lineTo(d.x, d.y - d.lift);
      }
      ctx.stroke();
      for (const [colour, g] of groups) {
        ctx.fillStyle = colour;
        for (const [items, edge, width] of [
          [g.car, "rgba(31,35,40,0.55)", 1],
          [g.taxi, INK, 1.5],
        ]) {
          if (!items.length) continue;
          ctx.beginPath();
          for (const item of items) this.boxPath(ctx, item, s);
          ctx.fill();
          ctx.strokeStyle = edge;
          ctx.lineWidth = width;
          ctx.stroke();
        }
        if (g.person.length) {
          ctx.beginPath();
          for (const item of g.person) disc(item, MIN_DISC_PX.person);
          ctx.fill();
          ctx.strokeStyle = "#ffffff";
          ctx.lineWidth = 1;
          ctx.stroke();
        }
        if (g.drone.length) {
          ctx.beginPath();
          for (const item of g.drone) item.r = disc(item, MIN_DISC_PX.drone, item.lift);
          ctx.fill();
          ctx.strokeStyle = INK;
          ctx.lineWidth = 1.5;
          ctx.stroke();
        }
      }
      // A robotaxi carries a light on its roof: what tells it from a resident's car.
      ctx.fillStyle = "#ffffff";
      for (const g of groups.values()) {
        for (const t of g.taxi) {
          const w = Math.max(t.body.width_m * s, MIN_CAR_PX[1]) / 2;
          ctx.fillRect(t.x - w / 2, t.y - w / 2, w, w);
        }
      }
      if (!heights) return;
      ctx.font = `11px ${FONT}`;
      ctx.textBaseline = "middle";
      ctx.lineWidth = 3;
      ctx.strokeStyle = "rgba(255,255,255,0.9)";
      ctx.fillStyle = INK;
      for (const d of drones) {
        if (d.a.z_m < 1) continue;
        const text = `${Math.round(d.a.z_m)}m`;
        const x = d.x + (d.r ?? MIN_DISC_PX.drone) + 3;
        ctx.strokeText(text, x, d.y - d.lift);
        ctx.fillText(text, x, d.y - d.lift);
      }
    }

    /** A car's body along its heading, at least MIN_CAR_PX, as a closed sub-path. */
    boxPath(ctx, { a, x, y, body }, s) {
      const half = Math.max(body.length_m * s, MIN_CAR_PX[0]) / 2;
      const side = Math.max(body.width_m * s, MIN_CAR_PX[1]) / 2;
      const h = (a.heading_deg * Math.PI) / 180;
      // Along the heading on screen (y grows downwards), and across it.
      const [ux, uy] = [Math.cos(h), -Math.sin(h)];
      const [vx, vy] = [-uy, ux];
      ctx.moveTo(x + ux * half + vx * side, y + uy * half + vy * side);
      ctx.lineTo(x + ux * half - vx * side, y + uy * half - vy * side);
      ctx.lineTo(x - ux * half - vx * side, y - uy * half - vy * side);
      ctx.lineTo(x - ux * half + vx * side, y - uy * half + vy * side);
      ctx.closePath();
    }

    drawPin(ctx, xm, ym, near) {
      const x = this.sx(xm);
      const y = this.sy(ym);
      const r = near ? 8 : 6;
      ctx.fillStyle = PIN;
      ctx.strokeStyle = "#ffffff";
      ctx.lineWidth = 1.5;
      ctx.beginPath();
      ctx.moveTo(x, y);
      ctx.arc(x, y - r * 1.8, r, Math.PI * 0.8, Math.PI * 2.2);
      ctx.closePath();
      ctx.fill();
      ctx.stroke();
      ctx.fillStyle = "#ffffff";
      ctx.beginPath();
      ctx.arc(x, y - r * 1.8, r * 0.38, 0, Math.PI * 2);
      ctx.fill();
    }

    drawIncident(ctx, xm, ym, focused) {
      const x = this.sx(xm);
      const y = this.sy(ym);
      const r = focused ? 13 : 9;
      ctx.fillStyle = this.scene.legend.no_fly;
      ctx.strokeStyle = "#ffffff";
      ctx.lineWidth = 2;
      ctx.beginPath();
      ctx.moveTo(x, y - r);
      ctx.lineTo(x + r * 0.95, y + r * 0.7);
      ctx.lineTo(x - r * 0.95, y + r * 0.7);
      ctx.closePath();
      ctx.fill();
      ctx.stroke();
      ctx.fillStyle = "#ffffff";
      ctx.font = `bold ${focused ? 13 : 10}px ${FONT}`;
      ctx.textAlign = "center";
      ctx.textBaseline = "middle";
      ctx.fillText("!", x, y + r * 0.15);
      ctx.textAlign = "start";
      if (focused) {
        ctx.strokeStyle = this.scene.legend.no_fly;
        ctx.lineWidth = 2;
        ctx.beginPath();
        ctx.arc(x, y, r * 2, 0, Math.PI * 2);
        ctx.stroke();
      }
    }

    drawAttribution(ctx, lang) {
      const text = `${this.words("word.attribution", lang)}: ${this.scene.attribution}`;
      ctx.font = `11px ${FONT}`;
      ctx.textBaseline = "bottom";
      const w = Math.min(ctx.measureText(text).width, this.canvas.clientWidth - 12);
      ctx.fillStyle = "rgba(255,255,255,0.85)";
      ctx.fillRect(0, this.canvas.clientHeight - 18, w + 12, 18);
      ctx.fillStyle = INK;
      ctx.fillText(text, 6, this.canvas.clientHeight - 3, this.canvas.clientWidth - 12);
    }
  }

  return { MapView, View, holds };
})();
