// Charts over the day and the timeline's marks, drawn on canvas: small bar charts of event
// counts per ten minutes with a line at the time shown, and a strip of incident and comment
// ticks above the time slider. Both answer a click or tap by moving to that time.
const PzCharts = (() => {
  "use strict";

  const BIN_MS = 10 * 60 * 1000;
  // Okabe-Ito colours for series: A (or the first) blue, B (or the second) orange.
  const SERIES = ["#0072b2", "#e69f00"];
  const GRID = "#e8e4da";
  const CURSOR = "#1f2328";

  function setup(canvas) {
    const ratio = window.devicePixelRatio || 1;
    const w = canvas.clientWidth;
    const h = canvas.clientHeight;
    if (canvas.width !== Math.round(w * ratio) || canvas.height !== Math.round(h * ratio)) {
      canvas.width = Math.round(w * ratio);
      canvas.height = Math.round(h * ratio);
    }
    const ctx = canvas.getContext("2d");
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.clearRect(0, 0, w, h);
    return { ctx, w, h };
  }

  /** Events per bin over `[0, durationMs)` of the kinds `pick` accepts. */
  function bins(events, pick, durationMs) {
    const out = new Array(Math.max(Math.ceil(durationMs / BIN_MS), 1)).fill(0);
    for (const e of events) {
      const b = Math.floor(e.tMs / BIN_MS);
      if (pick(e.kind) && b < out.length) out[b] += 1;
    }
    return out;
  }

  /** Moves to the time under a click on a canvas that spans `[0, durationMs]`. */
  function clickable(canvas, durationMs, onSeek) {
    canvas.addEventListener("click", (e) => {
      const k = Math.min(Math.max(e.offsetX / canvas.clientWidth, 0), 1);
      onSeek(Math.round(k * durationMs));
    });
  }

  /** Bars of one or two series (side by side per bin), with the time shown as a line. */
  class BarChart {
    constructor(canvas, series, durationMs, onSeek) {
      this.canvas = canvas;
      this.series = series;
      this.durationMs = durationMs;
      clickable(canvas, durationMs, onSeek);
    }

    draw(tMs) {
      const { ctx, w, h } = setup(this.canvas);
      const n = Math.max(...this.series.map((s) => s.length));
      const top = Math.max(1, ...this.series.flat());
      const base = h - 14;
      ctx.strokeStyle = GRID;
      ctx.lineWidth = 1;
      ctx.beginPath();
      ctx.moveTo(0, base + 0.5);
      ctx.lineTo(w, base + 0.5);
      ctx.stroke();
      const slot = w / n;
      const bar = Math.max((slot * 0.8) / this.series.length, 1);
      this.series.forEach((values, k) => {
        ctx.fillStyle = SERIES[k % SERIES.length];
        values.forEach((v, i) => {
          const bh = (v / top) * (base - 12);
          ctx.fillRect(i * slot + slot * 0.1 + k * bar, base - bh, bar - 1, bh);
        });
      });
      ctx.fillStyle = "#5b6169";
      ctx.font = '11px "PZ Noto Sans JP", system-ui, sans-serif';
      ctx.textBaseline = "top";
      ctx.fillText(String(top), 2, 0);
      const x = (tMs / this.durationMs) * w;
      ctx.strokeStyle = CURSOR;
      ctx.lineWidth = 1.5;
      ctx.beginPath();
      ctx.moveTo(x, 0);
      ctx.lineTo(x, base);
      ctx.stroke();
    }
  }

  /** The strip above the slider: a tick per incident (vermillion) and per comment (blue). */
  class Ticks {
    constructor(canvas, durationMs, marks, onSeek) {
      this.canvas = canvas;
      this.durationMs = durationMs;
      this.marks = marks;
      clickable(canvas, durationMs, onSeek);
    }

    draw() {
      const { ctx, w, h } = setup(this.canvas);
      ctx.fillStyle = "#ebe7dd";
      ctx.fillRect(0, h - 4, w, 4);
      for (const m of this.marks) {
        const x = Math.round((m.tMs / this.durationMs) * (w - 2)) + 1;
        ctx.fillStyle = m.colour;
        if (m.pin) {
          ctx.beginPath();
          ctx.arc(x, 5, 4, 0, Math.PI * 2);
          ctx.fill();
          ctx.fillRect(x - 0.75, 5, 1.5, h - 5);
        } else {
          ctx.fillRect(x - 1, 8, 2, h - 8);
        }
      }
    }
  }

  return { SERIES, bins, BarChart, Ticks };
})();
