// How a tierlb process ends once its command returned, for both entries
// (cli/main.ts, and the lab's bundle entry lab/tierlb-entry.ts).

/**
 * The command is done and its output written (pipes and files are written
 * synchronously on Linux): a handle a library still holds, such as a gRPC
 * connection attempt to an etcd member that does not answer, must not keep
 * the process running. The timer is unref'd: it fires only if something
 * else still holds the process.
 */
export function finish(code: number): void {
  process.exitCode = code;
  setTimeout(() => process.exit(code), 1000).unref();
}
