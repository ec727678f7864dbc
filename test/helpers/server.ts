/** A `tidings serve` inside the test process, on a free port. */
import { loadConfig } from '../../src/config/index.js';
import { silentLogger } from '../../src/log/index.js';
import { startServer, type RunningServer } from '../../src/cli/serve.js';

export async function startTestServer(dataDir: string): Promise<RunningServer> {
  const config = loadConfig({ env: {}, overrides: { serve: { listen: '127.0.0.1:0', data_dir: dataDir } } });
  return startServer(config, silentLogger());
}
