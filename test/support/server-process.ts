/**
 * `ifas serve` as a real child process (shared with the reliability suite).
 */

export {
  CLI,
  ensureBuilt,
  type ServerProcess,
  spawnServer,
} from '../../bench/reliability/server-process.js';
