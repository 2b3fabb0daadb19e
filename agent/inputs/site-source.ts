// The agent's view of the site file: the last good Site, replaced only by a
// file that parses and validates as a whole. A bad edit is refused with
// every issue listed, and the agent keeps running on what it had.
import { readFile } from 'node:fs/promises';
import { formatIssue, nodeNamed, overrideNode, parseSiteText, type NodeOverrides, type Site, type SiteIssue } from '../../site/index.js';

export type SiteLoad =
  | { readonly kind: 'loaded'; readonly site: Site }
  | { readonly kind: 'unchanged' }
  | { readonly kind: 'refused'; readonly issues: readonly string[] };

export class SiteSource {
  private current: Site | undefined;
  private lastText: string | undefined;

  constructor(private readonly file: string, private readonly nodeName: string, private readonly overrides: NodeOverrides = {}) {}

  get site(): Site | undefined {
    return this.current;
  }

  async reload(): Promise<SiteLoad> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (err) {
      return { kind: 'refused', issues: [`cannot read ${this.file}: ${(err as Error).message}`] };
    }
    if (text === this.lastText) return { kind: 'unchanged' };
    const result = parseSiteText(text);
    if (!result.ok) return { kind: 'refused', issues: result.issues.map((i: SiteIssue) => formatIssue(i, this.file)) };
    if (!nodeNamed(result.site, this.nodeName)) {
      return { kind: 'refused', issues: [`${this.file}: node "${this.nodeName}" is not in the site any more`] };
    }
    if (this.current && nodeNamed(this.current, this.nodeName)?.role !== nodeNamed(result.site, this.nodeName)?.role) {
      return { kind: 'refused', issues: [`${this.file}: the role of "${this.nodeName}" changed; restart the agent to change roles`] };
    }
    const site = overrideNode(result.site, this.nodeName, this.overrides);
    if (!site.ok) return { kind: 'refused', issues: [`agent options: ${site.reason}`] };
    this.lastText = text;
    this.current = site.value;
    return { kind: 'loaded', site: site.value };
  }
}
