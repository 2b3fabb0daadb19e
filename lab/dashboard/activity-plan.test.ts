import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseSiteText } from '../../site/index.js';
import { REPO } from '../bundle.js';
import { activityPlan, activitySeconds } from './activity-plan.js';

const parsed = parseSiteText(readFileSync(join(REPO, 'lab', 'site.yaml'), 'utf8'));
if (!parsed.ok) throw new Error('lab/site.yaml does not validate');

describe('activityPlan', () => {
  const steps = activityPlan(parsed.site);

  it('takes an L4 node, an L7 node and a server out of service and back, in that order', () => {
    expect(steps.map((s) => `${s.node}# ${s.command}`)).toEqual([
      'l4-1# touch /etc/lb/disable', 'l4-1# rm /etc/lb/disable',
      'l7-1# echo down > /etc/lb/agent-check', 'l7-1# echo up > /etc/lb/agent-check',
      'srv-1# echo drain > /etc/lb/agent-check', 'srv-1# echo up > /etc/lb/agent-check',
    ]);
  });

  it('lasts about five minutes', () => {
    expect(activitySeconds(steps)).toBeGreaterThanOrEqual(240);
    expect(activitySeconds(steps)).toBeLessThanOrEqual(330);
  });
});
