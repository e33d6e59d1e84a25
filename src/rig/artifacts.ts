import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MavenFailedError, MavenNotFoundError, ToolCompileError } from './errors.js';
import type { JavaTools } from './java.js';
import { type RigVersion, versionProfile } from './versions.js';

export interface Artifacts {
  /** Directory holding every jar of this Kafka version (use as `<libDir>/*` on a classpath). */
  libDir: string;
  /** Directory with the compiled helper classes (RigJvm + this version's tool). */
  toolClassesDir: string;
  /** True when both the jars and the compiled helper came from the cache. */
  cacheUsed: boolean;
  mavenRan: boolean;
  toolCompiled: boolean;
}

// Same location from src/rig (vitest) and dist/rig (built package): two levels below the root.
const JVM_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'jvm');

/** The launcher and line server, plus the helper written against this version's client API. */
function toolSources(version: RigVersion): string[] {
  return [join(JVM_DIR, 'RigJvm.java'), join(JVM_DIR, `${versionProfile(version).toolMainClass}.java`)];
}
const MARKER = '.complete';

export function cacheRoot(): string {
  return process.env.KAFKA08_CACHE_DIR ?? join(homedir(), '.cache', 'kafka08');
}

/** Jars come from Maven Central once per version; later starts use the cache and run no Maven. */
export async function ensureArtifacts(version: RigVersion, java: JavaTools): Promise<Artifacts> {
  const versionDir = join(cacheRoot(), version);
  mkdirSync(versionDir, { recursive: true });
  const libDir = join(versionDir, 'lib');
  let mavenRan = false;
  if (!existsSync(join(libDir, MARKER))) {
    await fetchJars(version, versionDir, libDir);
    mavenRan = true;
  }
  const sources = toolSources(version);
  const digest = createHash('sha256');
  for (const s of sources) digest.update(readFileSync(s));
  const hash = digest.digest('hex').slice(0, 16);
  const toolClassesDir = join(versionDir, `tool-${hash}`);
  let toolCompiled = false;
  if (!existsSync(join(toolClassesDir, MARKER))) {
    await compileTool(java, libDir, versionDir, toolClassesDir, sources);
    toolCompiled = true;
  }
  return { libDir, toolClassesDir, cacheUsed: !mavenRan && !toolCompiled, mavenRan, toolCompiled };
}

function pom(version: RigVersion): string {
  const dependencies = versionProfile(version)
    .dependencies.map((d) => {
      const exclusions = (d.exclusions ?? [])
        .map((ga) => {
          const [g, a] = ga.split(':');
          return `<exclusion><groupId>${g}</groupId><artifactId>${a}</artifactId></exclusion>`;
        })
        .join('');
      return `    <dependency><groupId>${d.group}</groupId><artifactId>${d.artifact}</artifactId><version>${d.version}</version>
      <exclusions>${exclusions}</exclusions>
    </dependency>`;
    })
    .join('\n');
  return `<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>kafka08.rig</groupId><artifactId>kafka-${version}</artifactId><version>1</version>
  <dependencies>
${dependencies}
  </dependencies>
</project>
`;
}

async function fetchJars(version: RigVersion, versionDir: string, libDir: string): Promise<void> {
  const work = mkdtempSync(join(versionDir, '.fetch-'));
  try {
    const pomPath = join(work, 'pom.xml');
    writeFileSync(pomPath, pom(version));
    const mvn = process.env.KAFKA08_MVN ?? 'mvn';
    const args = [
      '-q',
      '-B',
      '-f',
      pomPath,
      'dependency:copy-dependencies',
      `-DoutputDirectory=${join(work, 'lib')}`,
    ];
    const res = await run(mvn, args, work);
    if (res.spawnError) throw new MavenNotFoundError(mvn, res.spawnError.message);
    if (res.code !== 0) throw new MavenFailedError(res.code, tail(res.output), pomPath);
    const jars = readdirSync(join(work, 'lib')).filter((f) => f.endsWith('.jar'));
    writeFileSync(join(work, 'lib', MARKER), `${JSON.stringify({ version, jars }, null, 2)}\n`);
    // Publish atomically: another process may have raced us to the same version.
    if (!existsSync(join(libDir, MARKER))) {
      rmSync(libDir, { recursive: true, force: true });
      renameSync(join(work, 'lib'), libDir);
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

async function compileTool(
  java: JavaTools,
  libDir: string,
  versionDir: string,
  target: string,
  sources: readonly string[],
): Promise<void> {
  const work = mkdtempSync(join(versionDir, '.javac-'));
  try {
    const out = join(work, 'classes');
    mkdirSync(out);
    // --release 11: classes in the shared cache must load on any JDK 11+, whichever compiled them.
    const res = await run(
      java.javac,
      ['-nowarn', '--release', '11', '-cp', `${libDir}/*`, '-d', out, ...sources],
      work,
    );
    if (res.spawnError) throw new ToolCompileError(`cannot run ${java.javac}: ${res.spawnError.message}`);
    if (res.code !== 0) throw new ToolCompileError(tail(res.output));
    writeFileSync(join(out, MARKER), 'ok\n');
    if (!existsSync(join(target, MARKER))) {
      rmSync(target, { recursive: true, force: true });
      renameSync(out, target);
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

interface RunResult {
  code: number | null;
  output: string;
  spawnError?: Error;
}

function run(cmd: string, args: string[], cwd: string): Promise<RunResult> {
  return new Promise((resolve) => {
    let output = '';
    const child = spawn(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    const collect = (d: Buffer) => {
      output = (output + d.toString('utf8')).slice(-20_000);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.on('error', (spawnError) => resolve({ code: null, output, spawnError }));
    child.on('close', (code) => resolve({ code, output }));
  });
}

function tail(text: string, lines = 30): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}
