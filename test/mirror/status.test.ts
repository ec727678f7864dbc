/** The status board: state, serial and lag of each mirror from the announcements alone. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MirrorStatusBoard } from '../../src/mirror/index.js';

const at = (minute: number): Date => new Date(Date.UTC(2026, 11, 6, 14, minute));

test('mirrors are current, syncing, behind or failing, worst first, with their lag', () => {
  const board = new MirrorStatusBoard();
  const sync = (event: string, mirror: string, serial: number, minute: number, extra: Record<string, unknown> = {}) =>
    board.apply(`org.fedoraproject.prod.mirror.sync.${event}`, { mirror, tier: mirror.startsWith('t1') ? 1 : 2, upstream: mirror.startsWith('t1') ? 'master' : 't1a', module: 'fedora', serial, ...extra }, at(minute));
  board.apply('mirror.master.in_sync', { module: 'fedora', serial: 10, paths: [] }, at(0));
  for (const mirror of ['t1a', 't1b', 't2a']) sync('finish', mirror, 10, 1, { seconds: 30 });
  board.apply('mirror.master.out_of_sync', { module: 'fedora', serial: 11, paths: [] }, at(5));
  board.apply('mirror.master.in_sync', { module: 'fedora', serial: 11, paths: [] }, at(10));
  sync('start', 't1a', 11, 10);
  sync('finish', 't1a', 11, 12, { seconds: 90 });
  sync('start', 't1b', 11, 10);
  sync('failed', 't1b', 11, 11, { error: 'rsync exited 12', stage: 'content' });
  sync('start', 't2a', 11, 12);

  const { masters, mirrors } = board.snapshot(at(20));
  assert.deepEqual(masters, [{ module: 'fedora', state: 'in-sync', serial: 11, since: at(10).toISOString() }]);
  assert.deepEqual(mirrors.map((m) => [m.mirror, m.state, m.serial, m.lagSerials, m.lagSeconds]), [
    ['t1b', 'failing', 10, 1, 600],
    ['t2a', 'syncing', 10, 1, 600],
    ['t1a', 'current', 11, 0, 0],
  ]);
  assert.equal(mirrors[0]!.lastFailure?.error, 'rsync exited 12');
  assert.equal(mirrors[2]!.lastSeconds, 90);
});

test('malformed announcements are ignored', () => {
  const board = new MirrorStatusBoard();
  board.apply('mirror.sync.finish', { mirror: 'x', serial: 'many' }, new Date());
  board.apply('mirror.sync.finish', { serial: 3, module: 'f' }, new Date());
  assert.deepEqual(board.snapshot().mirrors, []);
});
