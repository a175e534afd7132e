// Finds a Chromium for the browser tests; on Debian as root it installs Debian's package if none is found.
import { existsSync } from 'node:fs';
import { execFileSync, spawnSync } from 'node:child_process';

const CANDIDATES = [
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome',
  '/usr/bin/google-chrome-stable',
];

function onPath(name) {
  const r = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

/** CHROME_PATH, then the usual Debian/Chrome locations, then anything on PATH; null if none. */
export function findChromium() {
  if (process.env.CHROME_PATH) {
    if (!existsSync(process.env.CHROME_PATH))
      throw new Error(`CHROME_PATH=${process.env.CHROME_PATH} does not exist`);
    return process.env.CHROME_PATH;
  }
  for (const p of CANDIDATES) if (existsSync(p)) return p;
  for (const n of ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable']) {
    const p = onPath(n);
    if (p) return p;
  }
  return null;
}

/** A Chromium path, installing Debian's `chromium` when running as root on Debian; else a one-line error. */
export function ensureChromium() {
  const found = findChromium();
  if (found) return found;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (isRoot && existsSync('/etc/debian_version')) {
    console.log('No Chromium found: installing Debian\'s "chromium" package (apt-get)…');
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
    execFileSync('apt-get', ['install', '-y', '-qq', 'chromium'], { stdio: 'inherit', env });
    const after = findChromium();
    if (after) return after;
  }
  throw new Error(
    'No Chromium found: install it (Debian: sudo apt-get install chromium) or set CHROME_PATH to a Chromium or Chrome binary.',
  );
}

/** Flags for headless Chromium with WebGPU (SwiftShader where there is no GPU) and no background traffic. */
export const CHROMIUM_ARGS = [
  '--enable-unsafe-webgpu',
  '--enable-features=Vulkan',
  '--no-sandbox',
  '--disable-dev-shm-usage',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-default-apps',
];

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(ensureChromium());
  console.log(execFileSync(ensureChromium(), ['--version'], { encoding: 'utf8' }).trim());
}

/**
 * Headless Chromium with CHROMIUM_ARGS (WebGPU on). playwright-core is imported here, not at the
 * top, because `npm test` reads this file before it has installed the dependencies.
 */
export async function launchChromium(executablePath = ensureChromium()) {
  const { chromium } = await import('playwright-core');
  return chromium.launch({ executablePath, headless: true, args: CHROMIUM_ARGS });
}
