/**
 * What the agent has applied to one server, kept on disk beside its config drive (servers/<id>/state.json)
 * so that a restarted agent neither repeats a reboot or snapshot it finished nor forgets a fault it gave.
 */
import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../platform/files.js';

export interface AppliedState {
  /** The last spec generation fully applied (or ended in a fault no retry can fix). */
  generation: number;
  rebootCount: number;
  snapshotDone?: string;
  /** A fault no retry can fix, for the generation it happened at: nothing is retried until the spec changes. */
  fault?: { generation: number; code: number; message: string; details?: string; keepsRunning: boolean };
}

export class ServerFiles {
  constructor(readonly serversDir: string) {}

  dir(id: string): string { return path.join(this.serversDir, id); }
  configDir(id: string): string { return path.join(this.serversDir, id, 'config'); }

  load(id: string): AppliedState | undefined {
    try { return JSON.parse(fs.readFileSync(path.join(this.dir(id), 'state.json'), 'utf8')) as AppliedState; } catch { return undefined; }
  }

  save(id: string, state: AppliedState): void {
    writeFileAtomic(path.join(this.dir(id), 'state.json'), `${JSON.stringify(state)}\n`);
  }

  /** Every server id that has files here. */
  list(): string[] {
    try { return fs.readdirSync(this.serversDir); } catch { return []; }
  }

  remove(id: string): void {
    fs.rmSync(this.dir(id), { recursive: true, force: true });
  }
}
