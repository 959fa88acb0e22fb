// Test support for the npm package `vnum` (built into pkg/ by scripts/build-npm.sh): packs it, installs
// the tarball into a fresh project as a user would, and runs a small JS Worker that imports it in
// workerd. The proxy Worker and the simulator come from ../support/harness.mjs.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { createRequire } from "node:module";
import { ROOT, freePort, wranglerDev } from "../support/harness.mjs";

export const PKG = join(ROOT, "pkg");
const quiet = { stdio: ["ignore", "pipe", "pipe"], encoding: "utf8" };

/**
 * `npm pack`s pkg/ and installs the tarball into a fresh project (no registry needed: the package has
 * no dependencies). Returns the project folder and ways to load the package from inside it, so that
 * Node resolves `vnum` through the package's own `exports`.
 */
export async function installPackage() {
  if (!existsSync(join(PKG, "package.json"))) throw new Error(`${PKG} is missing: bash scripts/build-npm.sh`);
  const dir = mkdtempSync(join(tmpdir(), "vnum-npm-"));
  const packs = join(dir, "packs");
  mkdirSync(packs);
  execFileSync("npm", ["pack", PKG, "--pack-destination", packs, "--silent"], quiet);
  const [tarball] = readdirSync(packs).filter((f) => f.endsWith(".tgz"));
  const project = join(dir, "project");
  mkdirSync(project);
  writeFileSync(join(project, "package.json"), JSON.stringify({ name: "vnum-consumer", private: true, type: "module" }));
  execFileSync("npm", ["install", join(packs, tarball), "--no-audit", "--no-fund", "--offline", "--silent"], {
    ...quiet,
    cwd: project,
  });
  writeFileSync(join(project, "entry.mjs"), `export * from "vnum";\n`);
  return {
    dir: project,
    tarball: join(packs, tarball),
    /** The package as `import … from "vnum"` sees it in Node (conditions node, import). */
    import: () => import(pathToFileURL(join(project, "entry.mjs")).href),
    /** The package as `require("vnum")` sees it in Node (conditions node, require). */
    require: () => createRequire(join(project, "entry.mjs"))("vnum"),
    /** Deletes the project and the tarball (once every Worker started in it is stopped). */
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/**
 * Runs `source` (an ES module Worker that may `import … from "vnum"`) with `wrangler dev` inside the
 * project where the package is installed, so wrangler's bundler resolves the package's `workerd`
 * export. Resolves once it answers `GET /ready`.
 */
export async function startConsumerWorker(project, source, vars = {}) {
  const dir = mkdtempSync(join(project, "worker-"));
  writeFileSync(join(dir, "worker.mjs"), source);
  writeFileSync(
    join(dir, "wrangler.toml"),
    [
      `name = "vnum-npm-consumer"`,
      `main = "worker.mjs"`,
      `compatibility_date = "2025-09-01"`,
      `[vars]`,
      ...Object.entries(vars).map(([k, v]) => `${k} = ${JSON.stringify(String(v))}`),
      "",
    ].join("\n"),
  );
  const proc = await wranglerDev({
    dir,
    configPath: join(dir, "wrangler.toml"),
    port: await freePort(),
    persistTo: join(dir, "state"),
    ready: "/ready",
    isUp: (res) => res.ok,
  });
  return { url: proc.url, output: proc.output, stop: proc.stop };
}

/** Resolves with `promise`'s rejection (fails if it fulfils), and how long it took. */
export async function rejection(promise) {
  const started = Date.now();
  let value;
  try {
    value = await promise;
  } catch (error) {
    return Object.assign(error, { elapsedMs: Date.now() - started });
  }
  throw new Error(`expected a rejection, got ${JSON.stringify(value)}`);
}
