/** A `tidings serve` inside the test process, on a free port. */
import { loadConfig, type ConfigOverrides } from '../../src/config/index.js';
import { silentLogger } from '../../src/log/index.js';
import { startServer, type RunningServer } from '../../src/cli/serve.js';

/** `overrides` add to the test defaults (listen on a free port, data in `dataDir`). */
export async function startTestServer(dataDir: string, overrides: ConfigOverrides = {}): Promise<RunningServer> {
  const config = loadConfig({ env: {}, overrides: { ...overrides, serve: { listen: '127.0.0.1:0', data_dir: dataDir, ...overrides.serve } } });
  return startServer(config, silentLogger());
}
