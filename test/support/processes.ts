import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/** The system user a process runs as (test/partitions tells the processes apart by their user). */
export interface ProcessUser {
  uid: number;
  gid: number;
}

/** Every process's id, parent id and working folder, from /proc (Linux). */
function processes(): { pid: number; ppid: number; cwd: string }[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .flatMap((name) => {
      try {
        // /proc/PID/stat: "pid (comm) state ppid ...", where comm may hold spaces and parentheses.
        const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
        const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
        let cwd = '';
        try {
          cwd = readlinkSync(`/proc/${name}/cwd`);
        } catch {
          // another user's process, or gone meanwhile
        }
        return [{ pid: Number(name), ppid, cwd }];
      } catch {
        return []; // gone meanwhile
      }
    });
}

/** The processes this one started that are still there. */
export function childProcesses(): number[] {
  return processes()
    .filter((p) => p.ppid === process.pid)
    .map((p) => p.pid);
}

/** The processes working in `dir` or below it (a server started from a clone, Redis in its data folder). */
export function processesIn(dir: string): number[] {
  return processes()
    .filter((p) => p.cwd === dir || p.cwd.startsWith(`${dir}/`))
    .map((p) => p.pid);
}
