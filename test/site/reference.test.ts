// docs/site-reference.md is generated from the schema; this fails when someone
// changed the schema and forgot `npm run docs:reference`.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { REFERENCE_FILE, renderReference } from '../../scripts/gen-reference.js';

describe('docs/site-reference.md', () => {
  it('is what scripts/gen-reference.ts generates from the current schema (run `npm run docs:reference`)', () => {
    expect(readFileSync(REFERENCE_FILE, 'utf8')).toBe(renderReference());
  });

  it('lists every field of the schema, nested ones included', () => {
    const text = renderReference();
    for (const path of ['services[].l4.flags', 'pools[].servers[].node', 'dns.zones[].soa.rname', 'nodes[].agent.listen.port']) {
      expect(text).toContain(`| \`${path}\` |`);
    }
  });

  it('comes out the same every time', () => {
    expect(renderReference()).toBe(renderReference());
  });
});
