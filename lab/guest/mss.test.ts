import { describe, expect, it } from 'vitest';
import { bytesAcked, droppedPackets, parseCurl, parseSynAcks } from './mss.js';

// Printed by tcpdump 4.99 (-nn -v) in the lab kernel: an IPv4 packet on two lines, an IPv6 one on one.
const capture = `00:16:41.891826 IP (tos 0x0, ttl 64, id 41672, offset 0, flags [DF], proto TCP (6), length 60)
    203.0.113.200.33958 > 198.51.100.1.80: Flags [S], cksum 0x1744 (incorrect -> 0xa41e), seq 1542106090, win 64240, options [mss 1460,sackOK,TS val 1572317017 ecr 0,nop,wscale 6], length 0
00:16:41.891870 IP (tos 0x0, ttl 63, id 0, offset 0, flags [DF], proto TCP (6), length 60)
    198.51.100.1.80 > 203.0.113.200.33958: Flags [S.], cksum 0x1744 (incorrect -> 0xd71d), seq 1377308637, ack 1542106091, win 65160, options [mss 1440,sackOK,TS val 2513817996 ecr 1572317017,nop,wscale 6], length 0
00:16:42.151268 IP6 (flowlabel 0x972ef, hlim 63, next-header TCP (6) payload length: 40) 2001:db8::c633:6401.80 > 2001:db8::cb00:71c8.42540: Flags [S.], cksum 0xfa48 (incorrect -> 0xc1c0), seq 3763240227, ack 2401610368, win 64260, options [mss 1400,sackOK,TS val 3549514168 ecr 2376837274,nop,wscale 6], length 0
00:16:42.151300 IP6 (flowlabel 0x972ef, hlim 63, next-header TCP (6) payload length: 32) 2001:db8::c633:6401.80 > 2001:db8::cb00:71c8.42540: Flags [.], ack 1, win 1004, length 0
`;

describe('the SYN-ACKs of a capture', () => {
  it('reads the MSS of IPv4 SYN-ACKs, whose options are on the second line', () => {
    expect(parseSynAcks(capture).filter((a) => a.family === 'ipv4')).toEqual([{ family: 'ipv4', from: '198.51.100.1', to: '203.0.113.200', mss: 1440 }]);
  });

  it('reads the MSS of IPv6 SYN-ACKs, printed on one line', () => {
    expect(parseSynAcks(capture).filter((a) => a.family === 'ipv6')).toEqual([{ family: 'ipv6', from: '2001:db8::c633:6401', to: '2001:db8::cb00:71c8', mss: 1400 }]);
  });

  it('leaves out SYNs, bare ACKs and tcpdump\'s own lines', () => {
    expect(parseSynAcks(`tcpdump: listening on eth0, link-type EN10MB (Ethernet), snapshot length 262144 bytes\n${capture}2 packets captured\n`)).toHaveLength(2);
  });

  it('gives a SYN-ACK without an MSS option as one with no MSS', () => {
    const line = '00:16:42.1 IP6 (hlim 63, next-header TCP (6) payload length: 20) 2001:db8::1.80 > 2001:db8::2.4000: Flags [S.], seq 1, ack 2, win 64260, length 0';
    expect(parseSynAcks(line)).toEqual([{ family: 'ipv6', from: '2001:db8::1', to: '2001:db8::2', mss: undefined }]);
  });

  it('finds nothing in a capture cut before its second line', () => {
    expect(parseSynAcks('00:16:41.891870 IP (tos 0x0, ttl 63, id 0, offset 0, flags [DF], proto TCP (6), length 60)\n')).toEqual([]);
  });
});

describe('curl\'s figures', () => {
  it('reads the write-out line and the sink\'s answer of a completed upload', () => {
    expect(parseCurl('received=1048576\n\ncurl: 200 1048576 17 0.012345\n')).toEqual({ status: 200, uploaded: 1048576, downloaded: 17, seconds: 0.012345, received: 1048576 });
  });

  it('reads a stalled upload as one the server never answered', () => {
    expect(parseCurl('\ncurl: 000 131072 0 8.001234\n')).toEqual({ status: 0, uploaded: 131072, downloaded: 0, seconds: 8.001234, received: undefined });
  });

  it('gives nothing for output without the write-out line', () => {
    expect(parseCurl('')).toBeUndefined();
  });
});

describe('the bytes a stalled upload got acknowledged', () => {
  const ss = `ESTAB 0      104928 203.0.113.200:34140          198.51.100.1:80
\t cubic wscale:7,7 rto:1600 backoff:3 rtt:0.5/0.25 mss:1448 cwnd:1 bytes_sent:7361 bytes_retrans:5792 bytes_acked:151 segs_out:9
ESTAB 0      0      [2001:db8::cb00:71c8]:40000 [2001:db8::c633:6401]:80
\t cubic wscale:7,7 rto:1600 backoff:3 rtt:0.5/0.25 mss:1428 cwnd:1 bytes_sent:1428 segs_out:2
`;

  it('reads bytes_acked of the socket from the user\'s address', () => {
    expect(bytesAcked(ss, '203.0.113.200')).toBe(151);
  });

  it('reads 0 where ss leaves bytes_acked out, and nothing without the socket', () => {
    expect(bytesAcked(ss, '2001:db8::cb00:71c8')).toBe(0);
    expect(bytesAcked(ss, '203.0.113.1')).toBeUndefined();
  });
});

describe('the ICMP the routers dropped', () => {
  it('sums the packets of the DROP rules', () => {
    const list = `Chain FORWARD (policy ACCEPT 120 packets, 9000 bytes)
    pkts      bytes target     prot opt in     out     source               destination
       3      1728 DROP       1    --  *      *       0.0.0.0/0            0.0.0.0/0            icmptype 3 code 4
       2      1152 DROP       1    --  *      *       0.0.0.0/0            0.0.0.0/0            icmptype 3 code 4
`;
    expect(droppedPackets(list)).toBe(5);
    expect(droppedPackets('Chain FORWARD (policy ACCEPT 0 packets, 0 bytes)\n')).toBe(0);
  });
});
