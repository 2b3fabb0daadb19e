// A service manager's end of the notify protocol, for tests: a unix datagram
// socket bound by a tiny Python program (Node.js cannot bind one), which
// prints each datagram it gets with the sender's pid (SO_PASSCRED) as one
// JSON line. A path address is bound in the file system, "@name" in the
// abstract namespace.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

const RECEIVER = `
import json, socket, sys, struct
address = sys.argv[1]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
s.bind("\\0" + address[1:] if address.startswith("@") else address)
print(json.dumps({"bound": True}), flush=True)
while True:
    data, anc, _, _ = s.recvmsg(65536, socket.CMSG_SPACE(12))
    pid = next((struct.unpack("iII", d)[0] for level, kind, d in anc if kind == socket.SCM_CREDENTIALS), None)
    print(json.dumps({"text": data.decode(), "pid": pid}), flush=True)
`;

export interface NotifyDatagram {
  readonly text: string;
  readonly pid: number | null;
}

export interface NotifyReceiver {
  /** The first `count` datagrams received since the start; rejects after `timeoutMs`. */
  datagrams(count: number, timeoutMs?: number): Promise<NotifyDatagram[]>;
  close(): void;
}

export async function notifyReceiver(address: string): Promise<NotifyReceiver> {
  const child: ChildProcess = spawn('python3', ['-c', RECEIVER, address], { stdio: ['ignore', 'pipe', 'inherit'] });
  const got: NotifyDatagram[] = [];
  let changed = (): void => undefined;
  const bound = new Promise<void>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`notify receiver exited with ${code} before binding ${address}`)));
    if (!child.stdout) throw new Error('no stdout');
    createInterface({ input: child.stdout }).on('line', (line) => {
      const v = JSON.parse(line) as { bound?: true } & NotifyDatagram;
      if (v.bound) resolve();
      else got.push({ text: v.text, pid: v.pid });
      changed();
    });
  });
  await bound;
  return {
    datagrams: (count, timeoutMs = 5000) => new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`expected ${count} datagrams on ${address}, got ${got.length}: ${JSON.stringify(got)}`)), timeoutMs);
      changed = () => {
        if (got.length < count) return;
        clearTimeout(timer);
        resolve(got.slice(0, count));
      };
      changed();
    }),
    close: () => { child.kill(); },
  };
}
