// Writes a comments sidecar beside a run's replay whose author and words are markup, script
// and quotes, pinned to the fifth minute: the page must show them as text.
const fs = require("node:fs");
const path = require("node:path");

const run = process.argv[2];
const kpis = JSON.parse(fs.readFileSync(path.join(run, "kpis.json"), "utf8"));
const comment = (id, replyTo, text) => ({
  id,
  ...(replyTo ? { reply_to: replyTo } : {}),
  replay_hash: kpis.replay_hash,
  option: "base",
  t_ms: 300000 + id * 1000,
  place: { x_m: 720, y_m: 600 },
  author: `<b onmouseover=window.pwned=5>"Ann" 'O'</b>`,
  role: "resident",
  text,
  created: "2026-11-24T09:00:00Z",
});
const sidecar = {
  format: "pilotzone-comments",
  version: 1,
  replay_hash: kpis.replay_hash,
  comments: [
    comment(1, null, `<img src=x onerror="window.pwned=6;console.log('pwned')"></script><script>window.pwned=7</script> "quoted" 'single' & more`),
    comment(2, 1, "<svg onload=window.pwned=8>"),
  ],
};
fs.writeFileSync(path.join(run, "replay.comments.json"), JSON.stringify(sidecar, null, 2));
