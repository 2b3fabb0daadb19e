import { describe, expect, it } from 'vitest';
import { undoneBy } from './link-events.js';

// Lines as `ip -o monitor link address` prints them (iproute2 6.1).
describe('undoneBy', () => {
  it('reads an address deleted by hand, IPv4 and IPv6', () => {
    expect(undoneBy('Deleted 1: lo    inet 198.51.100.2/32 scope global lo\\       valid_lft forever preferred_lft forever')).toBe('address 198.51.100.2/32 deleted from lo');
    expect(undoneBy('Deleted 4: tierlb0    inet6 2001:db8::2/128 scope global \\       valid_lft forever preferred_lft forever')).toBe('address 2001:db8::2/128 deleted from tierlb0');
  });

  it('reads a link set down or deleted, with or without a parent device', () => {
    expect(undoneBy('3: tierlb0: <BROADCAST,NOARP> mtu 1500 qdisc noqueue state DOWN group default \\    link/ether 0a:1b:2c:3d:4e:5f brd ff:ff:ff:ff:ff:ff')).toBe('link tierlb0 down');
    expect(undoneBy('5: tunl0@NONE: <NOARP> mtu 1480 qdisc noqueue state DOWN \\    link/ipip 0.0.0.0 brd 0.0.0.0')).toBe('link tunl0 down');
    expect(undoneBy('Deleted 3: tierlb0: <BROADCAST,NOARP,UP,LOWER_UP> mtu 1500 qdisc noqueue state UNKNOWN \\    link/ether 0a:1b:2c:3d:4e:5f')).toBe('link tierlb0 deleted');
  });

  it('leaves alone what the agent itself does: addresses added, links up', () => {
    expect(undoneBy('1: lo    inet6 2001:db8::2/128 scope global \\       valid_lft forever preferred_lft forever')).toBeUndefined();
    expect(undoneBy('3: tierlb0: <BROADCAST,NOARP,UP,LOWER_UP> mtu 1500 qdisc noqueue state UNKNOWN group default \\    link/ether 0a:1b:2c:3d:4e:5f')).toBeUndefined();
  });

  it('reads anything else as nothing undone', () => {
    for (const line of ['', 'garbage', 'Deleted', 'Deleted x: y', '[LINK]', '12345']) expect(undoneBy(line)).toBeUndefined();
  });
});
