import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const CANDIDATES = [process.env['CHROMIUM_PATH'], '/usr/bin/chromium', '/usr/bin/chromium-browser'];

function found(): string | null {
  return CANDIDATES.find((path): path is string => !!path && existsSync(path)) ?? null;
}

/**
 * Debian's Chromium for the console's browser tests: the one installed, else `apt-get install -y
 * chromium` (as root, when apt-get exists). Answers the path, or why there is none; the tests then
 * skip and say so.
 */
export function chromium(): { path: string } | { missing: string } {
  const present = found();
  if (present) return { path: present };
  if (process.getuid?.() !== 0) {
    return {
      missing: 'Chromium is not installed and installing it needs root: run `apt-get install -y chromium`',
    };
  }
  if (!existsSync('/usr/bin/apt-get'))
    return { missing: 'Chromium is not installed and there is no apt-get' };
  const install = () =>
    spawnSync('apt-get', ['install', '-y', '--no-install-recommends', 'chromium'], {
      stdio: 'inherit',
      timeout: 600_000,
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
  if (install().status !== 0) {
    spawnSync('apt-get', ['update'], { stdio: 'inherit', timeout: 300_000 });
    install();
  }
  const installed = found();
  return installed
    ? { path: installed }
    : { missing: '`apt-get install -y chromium` did not install Chromium (see its output above)' };
}
