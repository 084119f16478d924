import { cpSync, mkdirSync, statSync } from 'node:fs';
import { basename, isAbsolute, join, posix } from 'node:path';
import { OwnedProcess } from './owned-process';

/** One instruction of a Dockerfile, continuation lines joined. */
export interface Instruction {
  keyword: string;
  args: string;
  /** 1-based line where it starts. */
  line: number;
}

/** What running a stage left behind: its environment, user, and the commands an engine would run. */
export interface StageResult {
  env: Record<string, string>;
  /** The stage's WORKDIR, inside `root`. */
  workdir: string;
  user: { name: string; uid: number; gid: number } | null;
  healthcheck: string[] | null;
  cmd: string[] | null;
}

/** The instructions of the stage named `name` (`FROM ... AS name`), FROM excluded. */
export function dockerfileStage(text: string, name: string): Instruction[] {
  const stages = new Map<string, Instruction[]>();
  let current: Instruction[] | null = null;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const start = i;
    let line = lines[i];
    if (/^\s*(#|$)/.test(line)) continue;
    while (line.endsWith('\\') && i + 1 < lines.length) line = `${line.slice(0, -1)} ${lines[++i].trim()}`;
    const match = /^\s*([A-Za-z]+)\s+(.*)$/.exec(line);
    if (!match) throw new Error(`Dockerfile line ${start + 1} is not an instruction: ${line}`);
    const keyword = match[1].toUpperCase();
    if (keyword === 'FROM') {
      const as = /\s+AS\s+(\S+)\s*$/i.exec(match[2]);
      current = [];
      if (as) stages.set(as[1], current);
      continue;
    }
    if (!current) throw new Error(`Dockerfile line ${start + 1} comes before any FROM`);
    current.push({ keyword, args: match[2].trim(), line: start + 1 });
  }
  const stage = stages.get(name);
  if (!stage) throw new Error(`the Dockerfile has no stage named ${name}`);
  return stage;
}

/** The users the base images define, by name. */
const IMAGE_USERS: Readonly<Record<string, { uid: number; gid: number }>> = { node: { uid: 1000, gid: 1000 }, root: { uid: 0, gid: 0 } };

export interface RunStageOptions {
  /** The folder standing in for the image's `/`. */
  root: string;
  /** The build context (COPY sources without `--from`). */
  context: string;
  /** The folder standing in for each earlier stage's `/app` (`COPY --from=<stage> /app/...`). */
  stages: Record<string, string>;
  /** Added to the environment of RUN steps (never overriding ENV). */
  runEnv?: Record<string, string>;
  /** Longest a RUN step may take, in ms. */
  runTimeoutMs: number;
  /** RUN steps done another way here, by their exact command (given the stage's WORKDIR inside `root`). */
  replacedRuns?: Record<string, (workdir: string) => void>;
}

/**
 * Runs a stage's instructions on this machine the way an engine would, in
 * `root` instead of a fresh filesystem: ENV, WORKDIR, COPY (from the
 * context or an earlier stage), RUN (`sh -c`, as the current USER), USER,
 * EXPOSE, HEALTHCHECK and CMD (recorded). Anything else throws, so the
 * Dockerfile cannot grow a step this does not run. `replacedRuns` stand in
 * for the steps named there.
 */
export async function runStage(instructions: readonly Instruction[], options: RunStageOptions): Promise<StageResult> {
  const result: StageResult = { env: {}, workdir: '/', user: null, healthcheck: null, cmd: null };
  const inImage = (path: string) => join(options.root, posix.resolve(result.workdir, path));
  for (const { keyword, args, line } of instructions) {
    const fail = (why: string): never => {
      throw new Error(`Dockerfile line ${line} (${keyword} ${args}): ${why}`);
    };
    switch (keyword) {
      case 'ENV':
        for (const pair of args.split(/\s+/)) {
          const [key, ...value] = pair.split('=');
          if (value.length === 0) fail('only KEY=value pairs are supported');
          result.env[key] = value.join('=');
        }
        break;
      case 'WORKDIR':
        result.workdir = posix.resolve(result.workdir, args);
        mkdirSync(inImage('.'), { recursive: true });
        break;
      case 'COPY': {
        const words = args.split(/\s+/);
        const flags = words.filter((word) => word.startsWith('--'));
        const paths = words.filter((word) => !word.startsWith('--'));
        const from = flags.map((flag) => /^--from=(.+)$/.exec(flag)?.[1] ?? fail(`unsupported flag ${flag}`))[0];
        const destination = paths.pop() ?? fail('no destination');
        if (paths.length === 0) fail('no source');
        for (const source of paths) {
          let origin: string;
          if (from === undefined) {
            if (isAbsolute(source) || source.includes('..')) fail('context sources must be relative');
            origin = join(options.context, source);
          } else {
            const stageRoot = options.stages[from] ?? fail(`no stage ${from}`);
            if (!source.startsWith('/app/')) fail('stage sources must be under /app');
            origin = join(stageRoot, source.slice('/app/'.length));
          }
          const intoFolder = destination.endsWith('/') || paths.length > 1;
          const target = statSync(origin).isDirectory() || !intoFolder ? inImage(destination) : join(inImage(destination), basename(source));
          cpSync(origin, target, { recursive: true });
        }
        break;
      }
      case 'RUN': {
        const replacement = options.replacedRuns?.[args];
        if (replacement) {
          replacement(inImage('.'));
          break;
        }
        const step = OwnedProcess.spawn(`RUN ${args}`, '/bin/sh', ['-c', args], {
          cwd: inImage('.'),
          env: { PATH: process.env.PATH, HOME: process.env.HOME, ...(options.runEnv ?? {}), ...result.env },
          ...(result.user && result.user.uid !== 0 ? { user: result.user } : {}),
        });
        const status = await step.waitForExit(options.runTimeoutMs);
        if (status.code !== 0) fail(step.describe());
        break;
      }
      case 'USER': {
        const known = IMAGE_USERS[args] ?? fail('unknown user (name it in IMAGE_USERS)');
        result.user = { name: args, ...known };
        break;
      }
      case 'EXPOSE':
        break;
      case 'HEALTHCHECK': {
        const command =
          /^(?:--[a-z-]+=\S+\s+)*CMD\s+(\[.*\])$/.exec(args)?.[1] ?? fail('only HEALTHCHECK [--option=value ...] CMD ["exec", "form"] is supported');
        result.healthcheck = JSON.parse(command) as string[];
        break;
      }
      case 'CMD':
        if (!args.startsWith('[')) fail('only the exec form is supported');
        result.cmd = JSON.parse(args) as string[];
        break;
      default:
        fail('not supported by this runner; teach test/support/dockerfile.ts');
    }
  }
  return result;
}
