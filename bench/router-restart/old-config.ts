// The router's and reflectors' files as they were before graceful restart:
// the rendered files with its statements taken out, so one bench run can
// compare the old behaviour with the new on the same host. Pure.

/** Lines of bird.conf that exist for graceful restart (the statements and the comment lines right above them). */
const BIRD_LINE = /^\s*graceful restart\b/;
/** gobgpd.toml's graceful-restart table, its keys and the comment lines right above it. */
const GOBGP_TABLE = /^\s*\[neighbors\.graceful-restart\.config\]\s*$/;

export function oldBirdConf(text: string): { text: string; removed: number } {
  const out = dropWithComments(text.split('\n'), (line) => (BIRD_LINE.test(line) ? 1 : 0));
  // The global statement stood in a paragraph of its own.
  return { ...out, text: out.text.replace(/\n{3,}/g, '\n\n') };
}

export function oldGobgpdToml(text: string): { text: string; removed: number } {
  const lines = text.split('\n');
  return dropWithComments(lines, (line, i) => {
    if (!GOBGP_TABLE.test(line)) return 0;
    // The table's keys: the indented `name = value` lines after it.
    let n = 1;
    while (/^\s+[a-z-]+\s*=/.test(lines[i + n] ?? '')) n++;
    return n;
  });
}

/** Drops the lines `span` claims, with the `#` comment lines directly above each claimed run. */
function dropWithComments(lines: readonly string[], span: (line: string, i: number) => number): { text: string; removed: number } {
  const out: string[] = [];
  let removed = 0;
  for (let i = 0; i < lines.length; i++) {
    const n = span(lines[i] ?? '', i);
    if (n === 0) { out.push(lines[i] ?? ''); continue; }
    removed++;
    while (out.length > 0 && /^\s*#/.test(out[out.length - 1] ?? '')) out.pop();
    i += n - 1;
  }
  return { text: out.join('\n'), removed };
}
