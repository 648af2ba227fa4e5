/**
 * One command runs the whole product on the embedded database: builds the H5 site if it is not
 * built yet, then starts the server with the sandboxes and the demo operator data.
 *
 *   npm start                    # http://localhost:3000
 *   PORT=3100 DATA_DIR=/tmp/oh2 npm start   # a second copy beside the first
 *
 * Honours PORT, DATA_DIR and DATABASE_URL like the server itself. Pass --rebuild to rebuild the H5 site.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(__dirname, '..');
const h5Index = path.join(root, 'client', 'dist', 'h5', 'index.html');

if (process.argv.includes('--rebuild') || !existsSync(h5Index)) {
  console.log('[start] building the H5 site (client/dist/h5)…');
  const build = spawnSync('npm', ['run', 'build:h5', '-w', 'client'], { cwd: root, stdio: 'inherit' });
  if (build.status !== 0) {
    console.error('[start] the H5 build failed; see the output above');
    process.exit(build.status ?? 1);
  }
}

// Business time is Asia/Shanghai; Alipay's request timestamps use local time.
process.env.TZ ??= 'Asia/Shanghai';
process.env.SEED_DEMO ??= 'true';
require('../server/src/main');
