import { describe, expect, it } from 'vitest';
import { loadSite, nodeOf } from '../../test/helpers/site.js';
import { restartNeeded } from './restart-needed.js';

const agent = nodeOf(loadSite(), 'l7-1').agent;

describe('restartNeeded', () => {
  it('says nothing when the agent settings it started with still hold', () => {
    expect(restartNeeded(agent, { ...agent, agentCheckPort: 9301 as typeof agent.agentCheckPort })).toEqual([]);
  });

  it('names a changed folder with its old and new value', () => {
    const moved = { ...agent, configDir: '/srv/lb/conf' as typeof agent.configDir };
    expect(restartNeeded(agent, moved)).toEqual([`agent.configDir changed from ${agent.configDir} to /srv/lb/conf: restart the agent to use it; it keeps ${agent.configDir}`]);
  });
});
